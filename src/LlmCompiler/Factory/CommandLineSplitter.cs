using System.Text;

namespace LlmCompiler.Factory;

/// <summary>
/// Splits a command string into argv the way a POSIX shell would tokenise words (single quotes literal,
/// double quotes with backslash escapes, backslash outside quotes), without ever running a shell. No library
/// available here offers this; the validator's E003 lexer has already refused operators before we get here.
/// </summary>
public static class CommandLineSplitter
{
    public static bool TrySplit(string command, out IReadOnlyList<string> argv, out string error)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        error = "";
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (quote == '\'')
            {
                if (c == '\'') quote = '\0'; else current.Append(c);
                continue;
            }
            if (quote == '"')
            {
                if (c == '"') quote = '\0';
                else if (c == '\\' && i + 1 < command.Length && command[i + 1] is '"' or '\\' or '$' or '`') current.Append(command[++i]);
                else current.Append(c);
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inWord) { args.Add(current.ToString()); current.Clear(); inWord = false; }
                continue;
            }
            inWord = true;
            if (c is '\'' or '"') quote = c;
            else if (c == '\\')
            {
                if (i + 1 >= command.Length) { argv = []; error = "trailing backslash"; return false; }
                current.Append(command[++i]);
            }
            else current.Append(c);
        }
        if (quote != '\0') { argv = []; error = "unterminated quote"; return false; }
        if (inWord) args.Add(current.ToString());
        if (args.Count == 0) { argv = []; error = "empty command"; return false; }
        argv = args;
        return true;
    }
}
