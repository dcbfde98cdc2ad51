using System.Text;

namespace LlmCompiler.Reporting;

/// <summary>
/// One MSBuild canonical line per diagnostic, so MSBuild's <c>Exec</c>, VS Code's <c>$msCompile</c> matcher and
/// CI log parsers pick up file, line, column and code without a custom parser.
/// </summary>
public sealed class TextReporter : IDiagnosticReporter
{
    public void Write(VerifyReport report, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var diagnostic in report.Diagnostics)
        {
            output.WriteLine(OneLine(diagnostic.ToCanonicalString()));
        }
    }

    /// <summary>
    /// Messages quote untrusted text (commands, paths); a raw newline in one would split a diagnostic into two
    /// lines and let plan content forge a second, fake diagnostic line. Control characters are escaped instead.
    /// </summary>
    internal static string OneLine(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }
}
