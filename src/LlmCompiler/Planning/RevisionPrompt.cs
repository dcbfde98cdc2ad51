using System.Text;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Planning;

/// <summary>
/// Builds the request for attempt n+1. Unlike the original (§9.12), the rules are not dropped: the request
/// repeats the rendered template (rules, output shape, repo hints and spec) as the first message, then the
/// previous answer as the assistant's turn (bounded), then a message citing every hard error as
/// <c>[CODE] WO-ID field: message</c> with the offending line of the previous answer, warnings separately
/// as non-blocking, and asking for the complete corrected manifest.
/// </summary>
public static class RevisionPrompt
{
    public const int MaxPreviousResponseChars = 60_000;
    public const int MaxCitedDiagnostics = 40;
    private const int MaxExcerptChars = 200;

    public static LlmRequest InitialRequest(string renderedPrompt) =>
        WithSchema(new(PlanCompiler.Purpose, [LlmMessage.User(renderedPrompt)]));

    private static LlmRequest WithSchema(LlmRequest request) =>
        request with { JsonSchemaName = ManifestSchema.Name, JsonSchema = ManifestSchema.Json };

    public static LlmRequest Build(string renderedPrompt, string previousResponse, IReadOnlyList<Diagnostic> diagnostics, bool previousWasJson)
    {
        var lines = previousResponse.Split('\n');
        var errors = diagnostics.Where(d => d.IsError).ToList();
        var warnings = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).ToList();

        var sb = new StringBuilder();
        sb.Append(previousWasJson
            ? "Your previous answer failed validation. "
            : "Your previous answer could not be read as one JSON object. ");
        sb.Append("Answer again with the complete corrected JSON object: every work order, not only the ones that change. ")
          .Append("Fix each error below, keep everything that is not cited as it was, and follow every rule of the first message. ")
          .Append("Output the JSON object only, with no fences or commentary.\n\n");

        sb.Append("## Errors (must fix)\n\n");
        AppendCited(sb, errors, lines);
        if (warnings.Count > 0)
        {
            sb.Append("\n## Warnings (not blocking; fix them when it is cheap)\n\n");
            AppendCited(sb, warnings, lines);
        }
        sb.Append("\nThe product specification and the repository are as given in the first message. Output the corrected JSON object now.\n");

        return WithSchema(new LlmRequest(PlanCompiler.Purpose,
        [
            LlmMessage.User(renderedPrompt),
            LlmMessage.Assistant(Bound(previousResponse)),
            LlmMessage.User(sb.ToString()),
        ]));
    }

    /// <summary><c>[CODE] WO-ID field: message</c>, omitting the parts a diagnostic does not have.</summary>
    public static string Cite(Diagnostic d)
    {
        var sb = new StringBuilder().Append('[').Append(d.Code).Append(']');
        if (!string.IsNullOrEmpty(d.WoId)) sb.Append(' ').Append(d.WoId);
        if (!string.IsNullOrEmpty(d.Field)) sb.Append(' ').Append(d.Field);
        return sb.Append(": ").Append(d.Message).ToString();
    }

    private static void AppendCited(StringBuilder sb, IReadOnlyList<Diagnostic> diagnostics, string[] lines)
    {
        foreach (var d in diagnostics.Take(MaxCitedDiagnostics))
        {
            sb.Append("- ").Append(Cite(d)).Append('\n');
            var excerpt = Excerpt(lines, d);
            if (excerpt is not null)
            {
                sb.Append("  at line ").Append(d.Line).Append(", column ").Append(d.Column).Append(" of your previous answer: `")
                  .Append(excerpt).Append("`\n");
            }
        }
        if (diagnostics.Count > MaxCitedDiagnostics)
        {
            sb.Append("- … and ").Append(diagnostics.Count - MaxCitedDiagnostics).Append(" more of the same kinds\n");
        }
    }

    /// <summary>
    /// The offending JSON text: the cited line of the previous answer, cut around the column. A line that says
    /// little on its own (an object's opening brace, where a missing property is reported) takes the next lines too.
    /// </summary>
    private static string? Excerpt(string[] lines, Diagnostic d)
    {
        if (d.Line < 1 || d.Line > lines.Length) return null;
        var line = lines[d.Line - 1].TrimEnd('\r');
        var start = Math.Clamp(d.Column - 1 - (MaxExcerptChars / 4), 0, line.Length);
        var leading = line.Length - line.TrimStart().Length;
        start = Math.Max(start, Math.Min(leading, Math.Max(0, d.Column - 1)));
        var text = (start > leading ? "…" : "") + line[start..].Trim();
        for (var next = d.Line; text.Length < 40 && next < lines.Length && next < d.Line + 3; next++)
        {
            text += " " + lines[next].Trim();
        }
        if (text.Length > MaxExcerptChars) text = text[..MaxExcerptChars] + "…";
        text = text.Replace('`', '\'').Trim();
        return text.Length == 0 ? null : text;
    }

    private static string Bound(string previous) =>
        previous.Length <= MaxPreviousResponseChars
            ? previous
            : previous[..MaxPreviousResponseChars] + $"\n[… {previous.Length - MaxPreviousResponseChars} more characters of the previous answer omitted …]";
}
