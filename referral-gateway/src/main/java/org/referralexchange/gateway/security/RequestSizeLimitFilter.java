package org.referralexchange.gateway.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.referralexchange.gateway.problem.ProblemTypes;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies larger than {@code gateway.limits.max-request-bytes} with 413 {@code
 * payload-too-large}. A declared {@code Content-Length} over the limit is refused unread. A body of
 * unknown length (chunked) is read here, at most one byte past the limit: over it, the request is
 * refused; within it, the controller reads the buffered body, so it never sees a partial one.
 */
final class RequestSizeLimitFilter extends OncePerRequestFilter {

  private static final Set<String> BODILESS_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

  private final int maxBytes;
  private final ProblemResponses problems;

  RequestSizeLimitFilter(int maxBytes, ProblemResponses problems) {
    this.maxBytes = maxBytes;
    this.problems = problems;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long declared = request.getContentLengthLong();
    if (declared > maxBytes) {
      refuse(request, response);
      return;
    }
    if (declared >= 0 || !mayHaveBodyOfUnknownLength(request)) {
      // No body, or one whose declared length the container enforces.
      chain.doFilter(request, response);
      return;
    }
    byte[] body = request.getInputStream().readNBytes(maxBytes + 1);
    if (body.length > maxBytes) {
      refuse(request, response);
      return;
    }
    chain.doFilter(new BufferedBodyRequest(request, body), response);
  }

  /** Chunked (HTTP/1.1), or a method with a body and no declared length (HTTP/2). */
  private static boolean mayHaveBodyOfUnknownLength(HttpServletRequest request) {
    return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null
        || !BODILESS_METHODS.contains(request.getMethod());
  }

  private void refuse(HttpServletRequest request, HttpServletResponse response) throws IOException {
    problems.send(
        request,
        response,
        ProblemTypes.problem(
            HttpStatus.CONTENT_TOO_LARGE,
            ProblemTypes.PAYLOAD_TOO_LARGE,
            "Payload too large",
            "Request bodies may have at most " + maxBytes + " bytes."));
  }

  /** A request whose body has already been read, within the limit. */
  private static final class BufferedBodyRequest extends HttpServletRequestWrapper {

    private final byte[] body;

    BufferedBodyRequest(HttpServletRequest request, byte[] body) {
      super(request);
      this.body = body;
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }

    @Override
    public ServletInputStream getInputStream() {
      ByteArrayInputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public int read() {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
          return in.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("The body has already been read");
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      String encoding = getCharacterEncoding();
      Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
      return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), charset));
    }
  }
}
