package dev.rollgate.workflows.migration.plan;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Identifiers and expressions of a plan: checked against strict patterns, then quoted. Nothing from
 * a plan reaches SQL without passing through here.
 */
public final class Sql {
  /** Lower-case names only: a quoted name then equals the unquoted one an application writes. */
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");

  /** The longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes). */
  public static final int MAX_IDENTIFIER = 63;

  private static final String MODIFIER = "(\\(\\d+(, ?\\d+)?\\))?";
  private static final Pattern TYPE =
      Pattern.compile(
          "[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)?"
              + MODIFIER
              + "( [a-z_][a-z0-9_]*"
              + MODIFIER
              + ")*(\\[\\d*\\])*");

  /** The longest expression or type a plan may hold. */
  public static final int MAX_EXPRESSION = 2000;

  private Sql() {}

  /** Why {@code name} is not a valid identifier, or null when it is. */
  public static String identifierProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "is missing";
    }
    if (!IDENTIFIER.matcher(name).matches()) {
      return "'"
          + printable(name)
          + "' is not a valid identifier (lower-case letters, digits and _, not starting with a"
          + " digit)";
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_IDENTIFIER) {
      return "'" + name + "' is longer than " + MAX_IDENTIFIER + " bytes";
    }
    return null;
  }

  /** Why {@code type} is not a type name this planner accepts, or null when it is. */
  public static String typeProblem(String type) {
    if (type == null || type.isBlank()) {
      return "is missing";
    }
    if (type.length() > 100 || !TYPE.matcher(type).matches()) {
      return "'"
          + printable(type)
          + "' is not a type name (for example text, numeric(12,2), timestamp with time zone,"
          + " int[])";
    }
    return null;
  }

  /**
   * Why {@code expression} cannot be embedded, or null when it can. An expression is embedded as
   * written; it must be one expression: no statement separator, comment or dollar quote (it is
   * embedded in dollar-quoted trigger bodies), closed string literals and balanced parentheses.
   */
  public static String expressionProblem(String expression) {
    if (expression == null || expression.isBlank()) {
      return "is missing";
    }
    if (expression.length() > MAX_EXPRESSION) {
      return "is longer than " + MAX_EXPRESSION + " characters";
    }
    int depth = 0;
    boolean inString = false;
    boolean inIdentifier = false;
    for (int i = 0; i < expression.length(); i++) {
      char c = expression.charAt(i);
      char next = i + 1 < expression.length() ? expression.charAt(i + 1) : 0;
      if (c == '$') {
        return "'"
            + printable(expression)
            + "' holds '$' (dollar quotes and parameters are refused)";
      }
      if (Character.isISOControl(c) && c != '\n' && c != '\t' && c != '\r') {
        return "holds a control character";
      }
      if (inString) {
        if (c == '\'') {
          if (next == '\'') {
            i++;
          } else {
            inString = false;
          }
        }
        continue;
      }
      if (inIdentifier) {
        if (c == '"') {
          inIdentifier = false;
        }
        continue;
      }
      switch (c) {
        case '\'' -> inString = true;
        case '"' -> inIdentifier = true;
        case '(' -> depth++;
        case ')' -> {
          if (--depth < 0) {
            return "'" + printable(expression) + "' closes a parenthesis it did not open";
          }
        }
        case ';' -> {
          return "'" + printable(expression) + "' holds ';' (one expression, not statements)";
        }
        case '-', '/' -> {
          if ((c == '-' && next == '-') || (c == '/' && next == '*')) {
            return "'" + printable(expression) + "' holds a comment";
          }
        }
        default -> {}
      }
    }
    if (inString || inIdentifier) {
      return "'" + printable(expression) + "' leaves a quote open";
    }
    if (depth != 0) {
      return "'" + printable(expression) + "' leaves a parenthesis open";
    }
    return null;
  }

  /** {@code "name"}; refuses anything {@link #identifierProblem} rejects. */
  public static String quote(String name) {
    String problem = identifierProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException("identifier " + problem);
    }
    return '"' + name + '"';
  }

  /** {@code "schema"."name"}. */
  public static String quote(String schema, String name) {
    return quote(schema) + "." + quote(name);
  }

  /** {@code "a", "b"}. */
  public static String quoteAll(List<String> names) {
    return names.stream().map(Sql::quote).collect(Collectors.joining(", "));
  }

  /** A checked identifier as a string literal ({@code 'orders'}), for catalogue queries. */
  public static String literal(String name) {
    quote(name);
    return "'" + name + "'";
  }

  /** {@code '"schema"."name"'}, a literal for {@code to_regclass} and {@code ::regclass}. */
  public static String regclass(String schema, String name) {
    return "'" + quote(schema, name) + "'";
  }

  /** {@code ARRAY['a', 'b']::name[]} of checked identifiers. */
  public static String nameArray(List<String> names) {
    return "ARRAY["
        + names.stream().map(Sql::literal).collect(Collectors.joining(", "))
        + "]::name[]";
  }

  /** Echoes bad input in a message without its control characters, and not too long. */
  static String printable(String text) {
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 80 ? clean.substring(0, 80) + "…" : clean;
  }
}
