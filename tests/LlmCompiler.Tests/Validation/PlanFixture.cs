using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Diagnostics;
using LlmCompiler.Validation;

namespace LlmCompiler.Tests.Validation;

/// <summary>Builds manifests in the notation of the original's §7 and validates them.</summary>
internal static class PlanFixture
{
    public const string FileName = "plan.json";

    /// <summary>The minimal valid work order of §7: one allowed/context file, one python acceptance command.</summary>
    public static JsonObject Wo(string id, bool chain = false, string[]? allowed = null)
    {
        allowed ??= ["src/a.py"];
        var wo = new JsonObject
        {
            ["id"] = id,
            ["title"] = $"Title of {id}",
            ["intent"] = "Do one small thing.",
            ["allowed_files"] = Array(allowed),
            ["forbidden"] = new JsonArray(),
            ["acceptance_commands"] = Array("python -c \"assert True\""),
            ["context_files"] = Array(allowed),
            ["notes"] = null,
        };
        if (chain)
        {
            wo["preconditions"] = new JsonArray();
            wo["postconditions"] = new JsonArray([.. allowed.Select(p => (JsonNode)Exists(p))]);
        }
        return wo;
    }

    public static JsonObject Exists(string path) => new() { ["kind"] = "file_exists", ["path"] = path };

    public static JsonObject Absent(string path) => new() { ["kind"] = "file_absent", ["path"] = path };

    public static JsonArray Array(params string[] items) => new([.. items.Select(i => (JsonNode)JsonValue.Create(i)!)]);

    public static JsonObject StandardContract() => new()
    {
        ["command"] = "python -m pytest -q",
        ["requires"] = new JsonArray(Exists("scripts/verify.sh"), Exists("tests/test_placeholder.py")),
    };

    public static JsonObject Manifest(params JsonObject[] workOrders) => new()
    {
        ["system_overview"] = new JsonArray(),
        ["work_orders"] = new JsonArray([.. workOrders.Select(w => w.DeepClone())]),
    };

    public static string Text(JsonNode node) => node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });

    public static ValidationResult Validate(JsonNode manifest, params string[] repoFiles) => Validate(Text(manifest), repoFiles);

    public static ValidationResult Validate(string text, params string[] repoFiles)
    {
        var document = ContractReader.ReadManifest(SourceText.FromString(FileName, text));
        return PlanValidator.Validate(document, new ValidationOptions
        {
            RepoFiles = new HashSet<string>(repoFiles, StringComparer.Ordinal),
        });
    }

    public static PlanDocument Read(JsonNode manifest) => ContractReader.ReadManifest(SourceText.FromString(FileName, Text(manifest)));

    public static string[] Codes(this ValidationResult result) => [.. result.Diagnostics.Select(d => d.Code)];

    public static Diagnostic Single(this ValidationResult result, string code)
    {
        var matches = result.Diagnostics.Where(d => d.Code == code).ToList();
        Assert.HasCount(1, matches, $"expected exactly one {code}; got: {Describe(result)}");
        return matches[0];
    }

    public static void AssertNo(this ValidationResult result, string code) =>
        Assert.IsFalse(result.Diagnostics.Any(d => d.Code == code), $"unexpected {code}: {Describe(result)}");

    public static void AssertClean(this ValidationResult result) =>
        Assert.IsFalse(result.HasErrors, $"expected no errors: {Describe(result)}");

    public static string Describe(ValidationResult result) =>
        result.Diagnostics.Count == 0 ? "(none)" : string.Join(Environment.NewLine, result.Diagnostics.Select(d => $"{d} field={d.Field}"));

    /// <summary>1-based line/column of the first occurrence of <paramref name="needle"/> (after <paramref name="after"/>).</summary>
    public static SourcePosition PositionOf(string text, string needle, string? after = null)
    {
        var (line, column) = WorkOrderFiles.PositionOf(text, needle, after: after);
        return new SourcePosition(line, column);
    }

    public static void AssertAt(this Diagnostic d, string code, string? woId, string? field, SourcePosition position)
    {
        Assert.AreEqual(code, d.Code, d.ToString());
        Assert.AreEqual(woId, d.WoId, d.ToString());
        Assert.AreEqual(field, d.Field, d.ToString());
        Assert.AreEqual(FileName, d.File, d.ToString());
        Assert.AreEqual(position, new SourcePosition(d.Line, d.Column), d.ToString());
    }
}
