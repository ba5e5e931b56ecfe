# One Dockerfile for the exchange's three services. Pick the service with the target:
#
#   docker build --target referral-gateway -t referral-exchange/referral-gateway:local .
#   docker build --target agency-adapter   -t referral-exchange/agency-adapter:local .
#   docker build --target notifier         -t referral-exchange/notifier:local .
#
# docker-compose.yml builds all three this way. The Maven stage is the same for every target, so
# it runs once and the three images share it from the build cache. Only plain Dockerfile syntax
# is used (no BuildKit-only features), so the classic builder of docker-compose 1.29 builds it too.

ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

# ---------------------------------------------------------------------------------------------
FROM ${MAVEN_IMAGE} AS build
WORKDIR /build

# Poms first: the dependency download below is cached until a pom changes. Maven reads every
# module of the reactor, so the pom of every module in the root pom's <modules> is copied, also
# those not built here: with one missing, Maven refuses the whole reactor ("Child module ... does
# not exist"). DockerComposeConfigTests fails when a module has no COPY line here.
COPY pom.xml ./
COPY schemas/pom.xml schemas/
COPY schema-registry/pom.xml schema-registry/
COPY kafka-support/pom.xml kafka-support/
COPY test-support/pom.xml test-support/
COPY exchange-ops/pom.xml exchange-ops/
COPY referral-gateway/pom.xml referral-gateway/
COPY demo-providers/pom.xml demo-providers/
COPY agency-adapter/pom.xml agency-adapter/
COPY notifier/pom.xml notifier/
COPY local-exchange/pom.xml local-exchange/
COPY benchmarks/pom.xml benchmarks/
# Downloads the plugins and the dependencies of the three services and of the modules they use
# (excludeReactor: those modules themselves are built below, not downloaded). A failure fails the
# build: a pre-fetch that failed silently would leave this layer empty and make every source
# change download everything again.
RUN mvn -B -q -pl referral-gateway,agency-adapter,notifier -am \
        dependency:go-offline -DexcludeReactor=true

COPY . .
# Tests run in CI, not in the image build. Formatting (spotless) and coverage (jacoco) are
# developer and CI concerns, skipped here.
RUN mvn -B -q -pl referral-gateway,agency-adapter,notifier -am package \
        -Dmaven.test.skip=true -Dspotless.skip=true -Djacoco.skip=true \
    && mkdir /out \
    && for service in referral-gateway agency-adapter notifier; do \
         cp "${service}/target/${service}-"*"-exec.jar" "/out/${service}.jar"; \
       done

# ---------------------------------------------------------------------------------------------
# What the three service images share: a JRE, a non-root user, and the start command.
FROM ${RUNTIME_IMAGE} AS runtime
RUN groupadd --system --gid 10001 exchange \
    && useradd --system --uid 10001 --gid exchange --home-dir /app --no-create-home \
         --shell /usr/sbin/nologin exchange \
    && mkdir /app
WORKDIR /app
USER 10001:10001
# Avro 1.12 instantiates generated classes only from trusted packages. It is on the command line,
# not in JAVA_TOOL_OPTIONS, so that operators can use JAVA_TOOL_OPTIONS for their own flags
# (heap, GC) without dropping it.
ENTRYPOINT ["java", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.referralexchange.events.v1", "-jar", "/app/app.jar"]

# ---------------------------------------------------------------------------------------------
# The spring-boot repackaged jars (classifier exec). Ports are each service's default in its
# configuration (GATEWAY_PORT, ADAPTER_PORT, NOTIFIER_PORT).
FROM runtime AS referral-gateway
COPY --from=build /out/referral-gateway.jar /app/app.jar
EXPOSE 8080

FROM runtime AS agency-adapter
COPY --from=build /out/agency-adapter.jar /app/app.jar
EXPOSE 8082

FROM runtime AS notifier
# Its Kafka Streams state: a new named volume mounted here takes this owner and mode.
USER root
RUN mkdir -p /var/lib/exchange && chown 10001:10001 /var/lib/exchange && chmod 0700 /var/lib/exchange
USER 10001:10001
COPY --from=build /out/notifier.jar /app/app.jar
EXPOSE 8083
