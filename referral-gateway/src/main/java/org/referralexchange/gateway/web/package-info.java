/**
 * The case manager's pages: server-rendered (Thymeleaf, no script) views of the agency's referrals
 * and the two actions on them, behind their own session-based sign-in (OIDC, or the local run's
 * demo sign-in). They read and act only through {@code referral.ReferralPages}, i.e. the API's
 * service methods, so the pages can do nothing the API would refuse.
 */
package org.referralexchange.gateway.web;
