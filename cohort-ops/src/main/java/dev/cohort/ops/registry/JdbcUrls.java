package dev.cohort.ops.registry;

import java.util.regex.Pattern;

/** Registry URLs as people may see them: never with a password. */
final class JdbcUrls {

  static final String SQLITE = "jdbc:sqlite:";
  static final String POSTGRESQL = "jdbc:postgresql:";

  private static final Pattern PASSWORD_PARAMETER =
      Pattern.compile("(?i)([?&;]password=)[^&;\\s]*");
  private static final Pattern USER_INFO = Pattern.compile("(//[^/@:\\s]*:)[^/@\\s]*@");

  private JdbcUrls() {}

  /** The text with every password in a JDBC URL replaced by {@code ***}. */
  static String redact(String text) {
    String out = PASSWORD_PARAMETER.matcher(text).replaceAll("$1***");
    return USER_INFO.matcher(out).replaceAll("$1***@");
  }

  /**
   * A PostgreSQL URL with a bound on connecting (10 s) and on waiting for any answer ({@code
   * socketSeconds}) unless its query sets them (the driver's exact, case-sensitive names): without
   * them the driver waits forever on a server that stopped answering. Other URLs are returned as
   * they are.
   */
  static String withTimeouts(String url, long socketSeconds) {
    if (!url.startsWith(POSTGRESQL)) {
      return url;
    }
    int q = url.indexOf('?');
    java.util.Set<String> keys = new java.util.HashSet<>();
    if (q >= 0) {
      for (String pair : url.substring(q + 1).split("&")) {
        keys.add(pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair);
      }
    }
    String out = url;
    for (String[] bound :
        new String[][] {
          {"connectTimeout", "10"}, {"socketTimeout", Long.toString(socketSeconds)}
        }) {
      if (!keys.contains(bound[0])) {
        out += (out.indexOf('?') >= 0 ? "&" : "?") + bound[0] + "=" + bound[1];
      }
    }
    return out;
  }

  /** How the registry is named in messages: the file for SQLite, else the redacted URL. */
  static String label(String url) {
    if (url.startsWith(SQLITE)) {
      String path = url.substring(SQLITE.length());
      int query = path.indexOf('?');
      return query < 0 ? path : path.substring(0, query);
    }
    return redact(url);
  }
}
