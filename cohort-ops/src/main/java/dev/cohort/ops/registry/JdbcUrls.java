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
   * A PostgreSQL URL with a bound on connecting (10 s) and on waiting for any answer (60 s) unless
   * it sets its own: without them the driver waits forever on a server that stopped answering.
   * Other URLs are returned as they are.
   */
  static String withTimeouts(String url) {
    if (!url.startsWith(POSTGRESQL)) {
      return url;
    }
    String out = url;
    for (String bound : new String[] {"connectTimeout=10", "socketTimeout=60"}) {
      String name = bound.substring(0, bound.indexOf('=') + 1);
      if (!out.toLowerCase(java.util.Locale.ROOT)
          .contains(name.toLowerCase(java.util.Locale.ROOT))) {
        out += (out.contains("?") ? "&" : "?") + bound;
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
