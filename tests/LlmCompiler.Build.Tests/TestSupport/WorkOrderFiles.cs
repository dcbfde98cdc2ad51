using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace LlmCompiler.Build.Tests.TestSupport;

/// <summary>Work-order JSON for the tests, laid out one value per line so positions are easy to reason about.</summary>
internal static class WorkOrderFiles
{
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

    /// <summary>1-based line and column of the first occurrence of <paramref name="marker"/>.</summary>
    public static (int Line, int Column) PositionOf(string text, string marker)
    {
        var index = text.IndexOf(marker, StringComparison.Ordinal);
        if (index < 0) throw new ArgumentException($"'{marker}' not in text");
        var before = text[..index];
        var line = before.Count(c => c == '\n') + 1;
        var column = index - (before.LastIndexOf('\n') + 1) + 1;
        return (line, column);
    }

    public static ITaskItem[] Items(params string[] paths) => [.. paths.Select(p => (ITaskItem)new TaskItem(p))];
}
