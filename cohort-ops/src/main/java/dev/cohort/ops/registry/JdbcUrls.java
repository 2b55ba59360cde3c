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
