using System.Text;

namespace LlmCompiler.Validation;

/// <summary>The result of splitting one command string into argv.</summary>
public sealed record CommandTokens(IReadOnlyList<string> Argv, IReadOnlyList<string> ShellOperators, string? Error)
{
    public bool IsParsed => Error is null;
}

/// <summary>
/// Splits an acceptance or verify command into argv with POSIX-shell quoting rules (single quotes are
/// literal; double quotes honour <c>\"</c> <c>\\</c> <c>\$</c> <c>\`</c>; a backslash outside quotes escapes the next
/// character), and reports shell operators that appear <em>outside</em> quotes, attached or not:
/// <c>| || &amp; &amp;&amp; ; &lt; &lt;&lt; &gt; &gt;&gt; 2&gt; &amp;&gt; |&amp;</c>, backticks and <c>$(</c>.
/// Commands are executed as argv without a shell, so such operators would be passed as literal
/// arguments — almost never what the author meant (E003).
/// </summary>
public static class CommandLine
{
    // Quoting, escapes and every operator start with one of these; a command without them is split at whitespace.
    private static readonly System.Buffers.SearchValues<char> Special = System.Buffers.SearchValues.Create("'\"\\|&;<>`$");

    // What separates tokens outside quotes (the slow path below treats the same four characters so).
    private static readonly System.Buffers.SearchValues<char> Whitespace = System.Buffers.SearchValues.Create(" \t\n\r");

    public static CommandTokens Tokenize(string command) => Tokenize(command, null);

    /// <summary>As <see cref="Tokenize(string)"/>, taking plain tokens from <paramref name="pool"/> (quoted ones are built).</summary>
    internal static CommandTokens Tokenize(string command, TokenPool? pool)
    {
        if (command.AsSpan().IndexOfAny(Special) < 0) return SplitAtWhitespace(command, pool);
        var argv = new List<string>();
        var operators = new List<string>();
        var current = new StringBuilder();
        var inToken = false;
        var i = 0;
        while (i < command.Length)
        {
            var c = command[i];
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                Flush();
                i++;
                continue;
            }
            if (c == '\'')
            {
                var close = command.IndexOf('\'', i + 1);
                if (close < 0) return Fail("unterminated single quote");
                current.Append(command, i + 1, close - i - 1);
                inToken = true;
                i = close + 1;
                continue;
            }
            if (c == '"')
            {
                inToken = true;
                i++;
                var closed = false;
                while (i < command.Length)
                {
                    var d = command[i];
                    if (d == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < command.Length && command[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        current.Append(command[i + 1]);
                        i += 2;
                        continue;
                    }
                    current.Append(d);
                    i++;
                }
                if (!closed) return Fail("unterminated double quote");
                continue;
            }
            if (c == '\\')
            {
                if (i + 1 >= command.Length) return Fail("trailing backslash escapes nothing");
                current.Append(command[i + 1]);
                inToken = true;
                i += 2;
                continue;
            }
            var op = OperatorAt(command, i);
            if (op is not null)
            {
                if (!operators.Contains(op)) operators.Add(op);
                // Keep the operator as its own token so argv stays close to what a shell user meant.
                Flush();
                argv.Add(op);
                i += op.Length;
                continue;
            }
            current.Append(c);
            inToken = true;
            i++;
        }
        Flush();
        return new CommandTokens(argv, operators, null);

        void Flush()
        {
            if (!inToken) return;
            argv.Add(current.ToString());
            current.Clear();
            inToken = false;
        }

        CommandTokens Fail(string reason) => new(argv, operators, reason);
    }

    private static CommandTokens SplitAtWhitespace(string command, TokenPool? pool)
    {
        var argv = new List<string>(6);
        var text = command.AsSpan();
        var i = 0;
        while (true)
        {
            // Tokens and the gaps between them are found by vectorised searches, not char by char.
            var start = text[i..].IndexOfAnyExcept(Whitespace);
            if (start < 0) break;
            start += i;
            var length = text[start..].IndexOfAny(Whitespace);
            if (length < 0) length = text.Length - start;
            argv.Add(start == 0 && length == command.Length ? command : pool is not null ? pool.Get(command, start, length) : command.Substring(start, length));
            i = start + length;
        }
        return new CommandTokens(argv, [], null);
    }

    private static string? OperatorAt(string s, int i)
    {
        var c = s[i];
        var next = i + 1 < s.Length ? s[i + 1] : '\0';
        switch (c)
        {
            case '|': return next is '|' or '&' ? $"{c}{next}" : "|";
            case '&': return next is '&' or '>' ? $"{c}{next}" : "&";
            case ';': return ";";
            case '<': return next == '<' ? "<<" : "<";
            case '>': return next is '>' or '&' or '|' ? $"{c}{next}" : ">";
            case '`': return "`";
            case '$': return next == '(' ? "$(" : null;
            default: return null;
        }
    }

    /// <summary>
    /// The argv a command runs with, or why it cannot run: untokenisable, empty, or containing a shell operator
    /// outside quotes (which a shell would interpret and argv execution would not).
    /// </summary>
    public static bool TrySplit(string command, out IReadOnlyList<string> argv, out string error)
    {
        var tokens = Tokenize(command);
        argv = [];
        if (!tokens.IsParsed)
        {
            error = tokens.Error!;
            return false;
        }
        if (tokens.ShellOperators.Count > 0)
        {
            error = $"shell operator {string.Join(", ", tokens.ShellOperators.Select(o => $"'{o}'"))} outside quotes; commands run as argv without a shell";
            return false;
        }
        if (tokens.Argv.Count == 0)
        {
            error = "empty command";
            return false;
        }
        argv = tokens.Argv;
        error = "";
        return true;
    }

    /// <summary>Quotes one argument so <see cref="Tokenize(string)"/> reads it back unchanged (for messages and logs).</summary>
    public static string Quote(string argument)
    {
        if (argument.Length > 0 && argument.All(ch => char.IsLetterOrDigit(ch) || "-_./=:,+@%~".Contains(ch))) return argument;
        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    public static string Join(IEnumerable<string> argv) => string.Join(' ', argv.Select(Quote));
}
