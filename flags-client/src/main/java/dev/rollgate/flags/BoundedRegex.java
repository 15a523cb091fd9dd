package dev.rollgate.flags;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The regular expressions of {@link Operator#MATCHES}: {@code java.util.regex} syntax, restricted
 * so that a match cannot backtrack without bound, and searched with a budget.
 *
 * <h2>The rule (checked when a flag is defined; {@link #problem(String)})</h2>
 *
 * <ol>
 *   <li>at most {@value #MAX_LENGTH} characters, and it compiles;
 *   <li>no back-references ({@code \1}, {@code \k<name>}) and no look-around ({@code (?=}, {@code
 *       (?!}, {@code (?<=}, {@code (?<!}): like RE2 and Unleash's specification;
 *   <li>a repeating quantifier ({@code *}, {@code +}, {@code {n,m}} with m &gt; 1) applies to a
 *       single character, a character class, {@code .}, an escape, or a group that itself holds no
 *       quantifier and no alternation ({@code |}). This refuses the shapes behind catastrophic
 *       backtracking: nested quantifiers ({@code (a+)+}, {@code (a*b?)*}) and repeated alternations
 *       ({@code (a|aa)+}). Write {@code [ab]+} instead of {@code (a|b)+}.
 * </ol>
 *
 * POSIX classes inside brackets ({@code [[:alpha:]]}, {@code [:digit:]}, ...) are accepted and read
 * as Java's {@code \p{Alpha}}, {@code \p{Digit}}, ... .
 *
 * <h2>At evaluation</h2>
 *
 * The expression is <em>found</em> in the attribute (unanchored unless it says {@code ^}/{@code
 * $}). Adjacent repeated atoms ({@code .*.*.*x}) can still cost polynomial time, so each search may
 * read at most {@value #MAX_STEPS} characters of the attribute; a search that needs more is a
 * non-match. Each thread gets one reusable {@link Matcher} per expression the first time it
 * evaluates it; from then on a search allocates nothing.
 */
final class BoundedRegex {

  /** Longest accepted expression, in characters. */
  static final int MAX_LENGTH = 256;

  /** Most characters one search may read before it is abandoned as a non-match. */
  static final int MAX_STEPS = 200_000;

  private static final Map<String, String> POSIX =
      Map.ofEntries(
          Map.entry("alpha", "\\p{Alpha}"),
          Map.entry("digit", "\\p{Digit}"),
          Map.entry("alnum", "\\p{Alnum}"),
          Map.entry("upper", "\\p{Upper}"),
          Map.entry("lower", "\\p{Lower}"),
          Map.entry("space", "\\p{Space}"),
          Map.entry("punct", "\\p{Punct}"),
          Map.entry("xdigit", "\\p{XDigit}"),
          Map.entry("blank", "\\p{Blank}"),
          Map.entry("cntrl", "\\p{Cntrl}"),
          Map.entry("graph", "\\p{Graph}"),
          Map.entry("print", "\\p{Print}"),
          Map.entry("word", "\\w"));

  private final Pattern pattern;
  private final ThreadLocal<Search> searches;

  private BoundedRegex(Pattern pattern) {
    this.pattern = pattern;
    this.searches = ThreadLocal.withInitial(() -> new Search(pattern));
  }

  /** The compiled expression, or null when {@link #problem(String)} refuses it. */
  static BoundedRegex compile(String expression, boolean caseInsensitive) {
    Scan scan = scan(expression);
    if (scan.problem != null) {
      return null;
    }
    try {
      int flags = caseInsensitive ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0;
      return new BoundedRegex(Pattern.compile(scan.translated, flags));
    } catch (PatternSyntaxException e) {
      return null;
    }
  }

  /** Null when {@code expression} follows the rule above, else why not (one clause). */
  static String problem(String expression) {
    Scan scan = scan(expression);
    if (scan.problem != null) {
      return scan.problem;
    }
    try {
      Pattern.compile(scan.translated);
      return null;
    } catch (PatternSyntaxException e) {
      return "does not compile: " + e.getDescription() + " near index " + e.getIndex();
    }
  }

  /** True when the expression is found in {@code text} within the budget. Allocation-free. */
  boolean find(String text) {
    Search search = searches.get();
    search.text.reset(text);
    try {
      return search.matcher.reset(search.text).find();
    } catch (BudgetExceeded e) {
      return false;
    } catch (StackOverflowError e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return pattern.pattern();
  }

  private static final class Search {
    final BudgetedText text = new BudgetedText();
    final Matcher matcher;

    Search(Pattern pattern) {
      this.matcher = pattern.matcher(text);
    }
  }

  /** The attribute seen by the matcher, which stops it after {@link #MAX_STEPS} reads. */
  private static final class BudgetedText implements CharSequence {
    private String text = "";
    private int left;

    void reset(String value) {
      text = value;
      left = MAX_STEPS;
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public char charAt(int index) {
      if (--left < 0) {
        throw BudgetExceeded.INSTANCE;
      }
      return text.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return text.subSequence(start, end);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** Thrown (one shared instance, no stack trace) when a search runs out of budget. */
  private static final class BudgetExceeded extends RuntimeException {
    static final BudgetExceeded INSTANCE = new BudgetExceeded();

    private BudgetExceeded() {
      super("regular expression search over budget", null, false, false);
    }
  }

  private record Scan(String translated, String problem) {
    static Scan refused(String problem) {
      return new Scan(null, problem);
    }
  }

  /** A group being read: whether it holds a quantifier or an alternation so far. */
  private static final class Group {
    boolean quantified;
    boolean alternation;
  }

  /** Checks the structural rule and translates POSIX classes; see the class comment. */
  private static Scan scan(String re) {
    if (re == null || re.isEmpty()) {
      return Scan.refused("is empty");
    }
    if (re.length() > MAX_LENGTH) {
      return Scan.refused("is " + re.length() + " characters long; the limit is " + MAX_LENGTH);
    }
    StringBuilder out = new StringBuilder(re.length() + 16);
    Deque<Group> groups = new ArrayDeque<>();
    groups.push(new Group());
    Group last = null; // the group just closed, when the previous atom is a group
    boolean atom = false; // whether a quantifier has something to apply to
    int i = 0;
    int n = re.length();
    while (i < n) {
      char c = re.charAt(i);
      if (c == '\\') {
        if (i + 1 >= n) {
          return Scan.refused("does not compile: it ends with a lone backslash");
        }
        char e = re.charAt(i + 1);
        if ((e >= '1' && e <= '9') || e == 'k') {
          return Scan.refused("uses a back-reference (\\" + e + "), which is not allowed");
        }
        if (e == 'Q') {
          int end = re.indexOf("\\E", i + 2);
          end = end < 0 ? n : end + 2;
          out.append(re, i, end);
          i = end;
        } else {
          out.append(c).append(e);
          i += 2;
        }
        atom = true;
        last = null;
        continue;
      }
      if (c == '[') {
        int end = bracket(re, i, out);
        if (end < 0) {
          return Scan.refused(
              end == -2
                  ? "uses an unknown POSIX class (use alpha, digit, alnum, upper, lower, space,"
                      + " punct, xdigit, blank, cntrl, graph, print or word)"
                  : "does not compile: a character class is not closed");
        }
        i = end;
        atom = true;
        last = null;
        continue;
      }
      if (c == '(') {
        if (re.startsWith("(?=", i)
            || re.startsWith("(?!", i)
            || re.startsWith("(?<=", i)
            || re.startsWith("(?<!", i)) {
          return Scan.refused(
              "uses look-around ("
                  + re.substring(i, Math.min(n, i + 4))
                  + "), which is not allowed");
        }
        int close = inlineFlags(re, i);
        if (close > 0) { // (?i) (?m) (?s) ...: flags, not a group
          out.append(re, i, close);
          i = close;
          continue;
        }
        groups.push(new Group());
        out.append(c);
        i++;
        atom = false;
        last = null;
        continue;
      }
      if (c == ')') {
        if (groups.size() == 1) {
          return Scan.refused("does not compile: unbalanced ')'");
        }
        Group closed = groups.pop();
        if (closed.quantified) {
          groups.peek().quantified = true;
        }
        out.append(c);
        i++;
        atom = true;
        last = closed;
        continue;
      }
      if (c == '|') {
        groups.peek().alternation = true;
        out.append(c);
        i++;
        atom = false;
        last = null;
        continue;
      }
      int end = quantifierEnd(re, i);
      if (end > 0) {
        boolean repeats = repeats(re, i, end);
        if (atom && last != null && repeats && (last.quantified || last.alternation)) {
          return Scan.refused(
              "repeats a group that holds "
                  + (last.quantified ? "a quantifier (nested quantifiers" : "an alternation (")
                  + " can backtrack without bound): quantify single characters or classes, e.g."
                  + " [ab]+ instead of (a|b)+");
        }
        groups.peek().quantified = true;
        out.append(re, i, end);
        i = end;
        atom = false;
        last = null;
        continue;
      }
      out.append(c);
      i++;
      atom = true;
      last = null;
    }
    if (groups.size() != 1) {
      return Scan.refused("does not compile: a group is not closed");
    }
    return new Scan(out.toString(), null);
  }

  /**
   * Copies the character class starting at {@code from} to {@code out}, POSIX classes translated;
   * the index after it, -1 when it is not closed, -2 for an unknown POSIX class.
   */
  private static int bracket(String re, int from, StringBuilder out) {
    int i = from + 1;
    int n = re.length();
    int depth = 1;
    out.append('[');
    if (i < n && re.charAt(i) == '^') {
      out.append('^');
      i++;
    }
    if (i < n && re.charAt(i) == ']') { // a literal ']' first
      out.append("\\]");
      i++;
    }
    while (i < n) {
      char c = re.charAt(i);
      if (c == '\\' && i + 1 < n) {
        out.append(c).append(re.charAt(i + 1));
        i += 2;
      } else if (c == '[' && i + 1 < n && re.charAt(i + 1) == ':') {
        int close = re.indexOf(":]", i + 2);
        if (close < 0) {
          return -2;
        }
        String java = POSIX.get(re.substring(i + 2, close));
        if (java == null) {
          return -2;
        }
        out.append(java);
        i = close + 2;
      } else if (c == '[') {
        depth++;
        out.append(c);
        i++;
      } else if (c == ']') {
        out.append(c);
        i++;
        if (--depth == 0) {
          return i;
        }
      } else {
        out.append(c);
        i++;
      }
    }
    return -1;
  }

  /** The index after an inline flag group such as {@code (?i)} at {@code from}, or -1. */
  private static int inlineFlags(String re, int from) {
    if (!re.startsWith("(?", from)) {
      return -1;
    }
    int i = from + 2;
    while (i < re.length() && "imsuxdU-".indexOf(re.charAt(i)) >= 0) {
      i++;
    }
    return i > from + 2 && i < re.length() && re.charAt(i) == ')' ? i + 1 : -1;
  }

  /** The index after the quantifier at {@code i} (with a lazy/possessive suffix), or -1. */
  private static int quantifierEnd(String re, int i) {
    char c = re.charAt(i);
    int end;
    if (c == '*' || c == '+' || c == '?') {
      end = i + 1;
    } else if (c == '{') {
      int close = re.indexOf('}', i);
      if (close < 0 || !re.substring(i + 1, close).matches("\\d+(,\\d*)?")) {
        return -1;
      }
      end = close + 1;
    } else {
      return -1;
    }
    if (end < re.length() && (re.charAt(end) == '?' || re.charAt(end) == '+')) {
      end++;
    }
    return end;
  }

  /** Whether the quantifier in {@code re[from, to)} may repeat its atom more than once. */
  private static boolean repeats(String re, int from, int to) {
    char c = re.charAt(from);
    if (c == '?') {
      return false;
    }
    if (c != '{') {
      return true;
    }
    String body = re.substring(from + 1, re.indexOf('}', from));
    int comma = body.indexOf(',');
    String max = comma < 0 ? body : body.substring(comma + 1);
    return max.isEmpty() || max.length() > 9 || Integer.parseInt(max) > 1;
  }
}
