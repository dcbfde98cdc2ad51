using System.Text.Json;
using LlmCompiler.Contracts;

namespace LlmCompiler.Factory.Review;

/// <summary>One finding of the reviewer.</summary>
public sealed record ReviewFinding(string Severity, string File, int? Line, string Summary)
{
    public bool IsCritical => Severity == "critical";
}

/// <summary>
/// The reviewer's answer: strict JSON <c>{"verdict":"pass|block","summary":"…","findings":[{"severity":"critical|major|minor",
/// "file":"…","line":n,"summary":"…"}]}</c>. Whether it blocks is recomputed here, not taken from the model's
/// <c>verdict</c>: a block is a critical finding on a file the change touched.
/// </summary>
public sealed record ReviewVerdict(string Summary, IReadOnlyList<ReviewFinding> Findings, string ClaimedVerdict)
{
    public const string Schema = """
        {"type":"object","additionalProperties":false,"required":["verdict","summary","findings"],"properties":{"verdict":{"type":"string","enum":["pass","block"]},"summary":{"type":"string"},"findings":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["severity","file","line","summary"],"properties":{"severity":{"type":"string","enum":["critical","major","minor"]},"file":{"type":"string"},"line":{"type":["integer","null"]},"summary":{"type":"string"}}}}}}
        """;

    private static readonly string[] Severities = ["critical", "major", "minor"];

    /// <summary>The critical findings on files in <paramref name="changed"/>: non-empty means the review blocks.</summary>
    public IReadOnlyList<ReviewFinding> Blocking(IReadOnlyCollection<string> changed) =>
        [.. Findings.Where(f => f.IsCritical && changed.Contains(f.File, StringComparer.OrdinalIgnoreCase))];

    /// <summary>The verdict in <paramref name="text"/>, or why it is not one (never throws).</summary>
    public static (ReviewVerdict? Verdict, string? Problem) Parse(string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text.Trim());
        }
        catch (JsonException ex)
        {
            return (null, $"the answer is not JSON ({ex.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, "the answer is not a JSON object");
            if (!root.TryGetProperty("verdict", out var verdict) || verdict.ValueKind != JsonValueKind.String || verdict.GetString() is not ("pass" or "block"))
                return (null, "'verdict' must be \"pass\" or \"block\"");
            var summary = root.TryGetProperty("summary", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "";
            if (!root.TryGetProperty("findings", out var list) || list.ValueKind != JsonValueKind.Array) return (null, "'findings' must be an array");
            var findings = new List<ReviewFinding>();
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) return (null, "each finding must be an object");
                var severity = item.TryGetProperty("severity", out var sev) && sev.ValueKind == JsonValueKind.String ? sev.GetString()! : "";
                if (!Severities.Contains(severity, StringComparer.Ordinal)) return (null, $"a finding's severity '{severity}' is not critical, major or minor");
                var file = item.TryGetProperty("file", out var f) && f.ValueKind == JsonValueKind.String ? RepoPath.NormalizeOrNull(f.GetString()!) ?? f.GetString()! : "";
                int? line = item.TryGetProperty("line", out var l) && l.ValueKind == JsonValueKind.Number && l.TryGetInt32(out var n) && n > 0 ? n : null;
                var what = item.TryGetProperty("summary", out var w) && w.ValueKind == JsonValueKind.String ? w.GetString()! : "";
                findings.Add(new ReviewFinding(severity, file, line, what));
            }
            return (new ReviewVerdict(summary, findings, verdict.GetString()!), null);
        }
    }
}
