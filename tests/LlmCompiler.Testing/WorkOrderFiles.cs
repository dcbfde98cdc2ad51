using System.Text.Json.Nodes;
using LlmCompiler.Contracts;

namespace LlmCompiler.Testing;

/// <summary>
/// Work-order JSON and executor answers for the tests. Two layouts of "a work order that creates one file", because
/// tests hold on to each one's text: <see cref="Creating"/> puts one value on a line so diagnostic positions are easy
/// to reason about; <see cref="Compact"/> is the one-line form the factory tests edit in place and whose prompts
/// and summaries are recorded.
/// </summary>
public static class WorkOrderFiles
{
    /// <summary>
    /// A work order of a plan with <c>depends_on</c>: creates <paramref name="file"/> containing the word hello (its
    /// acceptance greps for it unless <paramref name="acceptance"/> says otherwise) after <paramref name="dependsOn"/>.
    /// </summary>
    public static string InDag(string id, string file, string[] dependsOn, string[]? reads = null, string? acceptance = null) =>
        new JsonObject
        {
            ["id"] = id, ["title"] = $"Create {file}", ["intent"] = $"Create {file} containing the word hello.",
            ["preconditions"] = new JsonArray(new JsonObject { ["kind"] = "file_absent", ["path"] = file }),
            ["postconditions"] = new JsonArray(new JsonObject { ["kind"] = "file_exists", ["path"] = file }),
            ["allowed_files"] = new JsonArray(file), ["forbidden"] = new JsonArray(),
            ["acceptance_commands"] = new JsonArray(acceptance ?? $"grep -q hello {file}"),
            ["context_files"] = new JsonArray([.. (reads ?? []).Select(r => (JsonNode)r)]), ["notes"] = null,
            ["depends_on"] = new JsonArray([.. dependsOn.Select(d => (JsonNode)d)]),
        }.ToJsonString();

    /// <summary>The file each work order of the diamond WO-01 → {WO-02, WO-03} → WO-04 creates.</summary>
    public static string DiamondFileOf(string id) => id switch { "WO-01" => "src/core.txt", "WO-02" => "src/a.txt", "WO-03" => "src/b.txt", _ => "src/d.txt" };

    /// <summary>A work order that creates <paramref name="path"/>; valid on its own in an empty repository.</summary>
    public static string Creating(string id, string path, string? extraProperty = null) => $$"""
        {
          "id": "{{id}}",
          "title": "Create {{path}}",
          "intent": "Create {{path}}.",
          "preconditions": [{"kind": "file_absent", "path": "{{path}}"}],
          "postconditions": [{"kind": "file_exists", "path": "{{path}}"}],
          "allowed_files": ["{{path}}"],
          "forbidden": [],
          "acceptance_commands": ["dotnet build"],
          "context_files": [],{{(extraProperty is null ? "" : $"\n  {extraProperty},")}}
          "notes": null
        }
        """;

    /// <summary>A work order whose second allowed file is a number: E005 at line 7, column 9 (the <c>42</c>).</summary>
    public static string WithNumberInAllowedFiles(string id) => $$"""
        {
          "id": "{{id}}",
          "title": "Broken",
          "intent": "Has a number where a path belongs.",
          "preconditions": [],
          "allowed_files": ["src/B.cs",
                42],
          "postconditions": [{"kind": "file_exists", "path": "src/B.cs"}],
          "forbidden": [],
          "acceptance_commands": ["dotnet build"],
          "context_files": [],
          "notes": null
        }
        """;

    /// <summary>
    /// A work order that creates <paramref name="file"/> containing the word hello, checked by <paramref name="acceptance"/>,
    /// as one line of JSON; <paramref name="extraAllowed"/> is a second allowed file that must exist afterwards.
    /// </summary>
    public static string Compact(string id, string file, string acceptance, string? extraAllowed = null, bool verifyExempt = false) =>
        new JsonObject
        {
            ["id"] = id, ["title"] = $"Create {file}", ["intent"] = $"Create {file} containing the word hello.",
            ["preconditions"] = new JsonArray(new JsonObject { ["kind"] = "file_absent", ["path"] = file }),
            ["postconditions"] = extraAllowed is null
                ? new JsonArray(new JsonObject { ["kind"] = "file_exists", ["path"] = file })
                : new JsonArray(new JsonObject { ["kind"] = "file_exists", ["path"] = file }, new JsonObject { ["kind"] = "file_exists", ["path"] = extraAllowed }),
            ["allowed_files"] = extraAllowed is null ? new JsonArray(file) : new JsonArray(file, extraAllowed),
            ["forbidden"] = new JsonArray(), ["acceptance_commands"] = new JsonArray(acceptance), ["context_files"] = new JsonArray(),
            ["notes"] = null, ["verify_exempt"] = verifyExempt,
        }.ToJsonString();

    /// <summary>The executor's answer: these writes, with the summary "scripted".</summary>
    public static string Proposal(params (string Path, string Sha, string Content)[] writes) => Proposal("scripted", writes);

    /// <summary>The executor's answer: these writes under <paramref name="summary"/> (the landed commit's body).</summary>
    public static string Proposal(string summary, params (string Path, string Sha, string Content)[] writes) =>
        new JsonObject
        {
            ["summary"] = summary,
            ["writes"] = new JsonArray([.. writes.Select(w => (JsonNode)new JsonObject { ["path"] = w.Path, ["base_sha256"] = w.Sha, ["content"] = w.Content })]),
        }.ToJsonString();

    /// <summary>An answer that creates each file (its base is the empty file's hash).</summary>
    public static string ProposalCreating(string summary, params (string Path, string Content)[] writes) =>
        Proposal(summary, [.. writes.Select(w => (w.Path, FileWrite.EmptySha256, w.Content))]);

    /// <summary>
    /// The 1-based line and column (UTF-16 units) of <paramref name="marker"/> in <paramref name="text"/>: its first
    /// occurrence from where <paramref name="after"/> starts (the text's start without one), past <paramref name="skip"/> others.
    /// </summary>
    public static (int Line, int Column) PositionOf(string text, string marker, int skip = 0, string? after = null)
    {
        var index = after is null ? -1 : text.IndexOf(after, StringComparison.Ordinal) - 1;
        if (after is not null && index < -1) throw new ArgumentException($"anchor '{after}' not found", nameof(after));
        for (var i = 0; i <= skip; i++)
        {
            index = text.IndexOf(marker, index + 1, StringComparison.Ordinal);
            if (index < 0) throw new ArgumentException($"marker '{marker}' not found", nameof(marker));
        }
        var lineStart = index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;
        return (text[..index].Count(c => c == '\n') + 1, index - lineStart + 1);
    }
}
