package dev.cohort.ops.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Writes a whole response with the headers every Cohort page and API sends: no caching, no content
 * sniffing, no referrer (URLs carry the token), scripts and styles from the server only, no
 * framing.
 */
public final class Replies {
  private Replies() {}

  /** Sends {@code body} and completes {@code callback}; always true (the request is handled). */
  public static boolean send(
      Response response, Callback callback, int status, String type, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put("Referrer-Policy", "no-referrer");
    response
        .getHeaders()
        .put(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  /** A plain-text message, one line. */
  public static boolean text(Response response, Callback callback, int status, String message) {
    return send(
        response,
        callback,
        status,
        "text/plain; charset=utf-8",
        (message + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Whether {@code request} carries {@code token}; when not, a 401 naming {@code where} to find it
   * has been sent.
   */
  public static boolean admitted(
      AccessToken token, Request request, Response response, Callback callback, String where) {
    String query = Request.extractQueryParameters(request).getValue("token");
    if (token.admits(query, request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
      return true;
    }
    text(response, callback, 401, "this needs its token: " + where);
    return false;
  }
}
