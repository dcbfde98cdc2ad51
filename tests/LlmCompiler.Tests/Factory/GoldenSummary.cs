using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// Compares a run's <c>run_summary.json</c> with a golden copy in <c>TestData/Golden/</c>, after replacing what
/// differs from run to run (run ids, commits, times, durations, temporary folders) by stable placeholders; commits
/// are numbered in order of appearance, so "the landed commit is the commit" stays visible. Set
/// <c>LLMC_UPDATE_GOLDEN=1</c> to rewrite the golden files in the source tree instead.
/// </summary>
internal static partial class GoldenSummary
{
    public static void AssertMatches(string scenario, string summaryPath, params (string Literal, string Token)[] folders)
    {
        var actual = Normalize(File.ReadAllText(summaryPath), folders);
        var golden = Path.Combine(AppContext.BaseDirectory, "TestData", "Golden", $"run_summary.{scenario}.json");
        if (Environment.GetEnvironmentVariable("LLMC_UPDATE_GOLDEN") == "1")
        {
            var source = Path.Combine(SourceTree.Root, "tests", "LlmCompiler.Tests", "TestData", "Golden", $"run_summary.{scenario}.json");
            Directory.CreateDirectory(Path.GetDirectoryName(source)!);
            File.WriteAllText(source, actual);
            return;
        }
        Assert.IsTrue(File.Exists(golden), $"no golden file for '{scenario}'; run with LLMC_UPDATE_GOLDEN=1 to create it. Actual:\n{actual}");
        var expected = File.ReadAllText(golden).ReplaceLineEndings("\n");
        if (expected == actual) return;
        Assert.Fail($"run_summary.json of '{scenario}' differs from {Path.GetFileName(golden)} at {FirstDifference(expected, actual)}\n--- actual\n{actual}");
    }

    public static string Normalize(string json, params (string Literal, string Token)[] folders)
    {
        var commits = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var full in FullCommit().Matches(json).Select(m => m.Value).Distinct()) commits[full] = $"<commit-{commits.Count + 1}>";
        var node = JsonNode.Parse(json)!;
        var normalized = Walk(node, null, folders.OrderByDescending(f => f.Literal.Length).ToArray(), commits);
        return normalized!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ReplaceLineEndings("\n") + "\n";
    }

    private static JsonNode? Walk(JsonNode? node, string? key, (string Literal, string Token)[] folders, Dictionary<string, string> commits) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, Walk(p.Value, p.Key, folders, commits)))),
        JsonArray array => new JsonArray([.. array.Select(item => Walk(item, key, folders, commits))]),
        JsonValue value when key is "duration_seconds" && value.TryGetValue<double>(out _) => JsonValue.Create("<seconds>"),
        JsonValue value when value.TryGetValue<string>(out var text) => JsonValue.Create(Text(text, folders, commits)),
        null => null,
        _ => node.DeepClone(),
    };

    private static string Text(string text, (string Literal, string Token)[] folders, Dictionary<string, string> commits)
    {
        foreach (var (literal, token) in folders) text = text.Replace(literal, token, StringComparison.Ordinal);
        text = RunId().Replace(text, "<run-id>");
        text = Timestamp().Replace(text, "<time>");
        text = Commit().Replace(text, m =>
        {
            if (commits.TryGetValue(m.Value, out var name)) return name;
            // An abbreviation names the full commit it starts.
            return commits.FirstOrDefault(c => c.Key.Length == 40 && c.Key.StartsWith(m.Value, StringComparison.Ordinal)).Value ?? "<commit-?>";
        });
        return text;
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var left = i < e.Length ? e[i] : "<end>";
            var right = i < a.Length ? a[i] : "<end>";
            if (left != right) return $"line {i + 1}: expected {left.Trim()} but found {right.Trim()}";
        }
        return "(no line differs)";
    }

    [GeneratedRegex(@"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])")]
    private static partial Regex FullCommit();

    [GeneratedRegex(@"\b\d{8}T\d{6}Z-[0-9a-f]{8}\b")]
    private static partial Regex RunId();

    [GeneratedRegex(@"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\b")]
    private static partial Regex Timestamp();

    // A 40-hex commit id, or its 10/12-character abbreviation in a message; not the 64-hex work-order hash.
    [GeneratedRegex(@"(?<![0-9a-f])([0-9a-f]{40}|[0-9a-f]{12}|[0-9a-f]{10})(?![0-9a-f])")]
    private static partial Regex Commit();
}
