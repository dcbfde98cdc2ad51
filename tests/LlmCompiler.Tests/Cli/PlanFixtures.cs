namespace LlmCompiler.Tests.Cli;

/// <summary>Plans used by the CLI, reporting and fuzzing tests, as the JSON text a user would hand to llmc.</summary>
internal static class PlanFixtures
{
    /// <summary>A two-step plan that satisfies the whole contract: WO-01 builds the library, WO-02 adds the tests.</summary>
    public const string ValidManifest = """
        {
          "system_overview": ["A calculator library with tests."],
          "verify_contract": {
            "command": "dotnet test tests/Calc.Tests/Calc.Tests.csproj",
            "requires": [{"kind": "file_exists", "path": "tests/Calc.Tests/Calc.Tests.csproj"}]
          },
          "work_orders": [
            {
              "id": "WO-01",
              "title": "Library project",
              "intent": "Create the Calc library with an Adder.",
              "preconditions": [{"kind": "file_absent", "path": "src/Calc/Calc.csproj"}],
              "postconditions": [
                {"kind": "file_exists", "path": "src/Calc/Calc.csproj"},
                {"kind": "file_exists", "path": "src/Calc/Adder.cs"}
              ],
              "allowed_files": ["src/Calc/Calc.csproj", "src/Calc/Adder.cs"],
              "forbidden": ["network access"],
              "acceptance_commands": ["dotnet build src/Calc/Calc.csproj"],
              "context_files": ["src/Calc/Calc.csproj", "src/Calc/Adder.cs"],
              "notes": null
            },
            {
              "id": "WO-02",
              "title": "Unit tests",
              "intent": "Add MSTest tests for the Adder.",
              "preconditions": [{"kind": "file_exists", "path": "src/Calc/Calc.csproj"}],
              "postconditions": [
                {"kind": "file_exists", "path": "tests/Calc.Tests/Calc.Tests.csproj"},
                {"kind": "file_exists", "path": "tests/Calc.Tests/AdderTests.cs"}
              ],
              "allowed_files": ["tests/Calc.Tests/Calc.Tests.csproj", "tests/Calc.Tests/AdderTests.cs"],
              "forbidden": [],
              "acceptance_commands": ["dotnet build tests/Calc.Tests/Calc.Tests.csproj"],
              "context_files": ["tests/Calc.Tests/Calc.Tests.csproj", "tests/Calc.Tests/AdderTests.cs", "src/Calc/Adder.cs"],
              "notes": "Use MSTest."
            }
          ]
        }
        """;

    /// <summary>Marker inside <see cref="ValidManifest"/> at WO-02's title value, for type-error mutations.</summary>
    public const string Wo02Title = "\"Unit tests\"";

    /// <summary>Marker at WO-01's <c>"forbidden"</c> key, where a typo'd key can be put.</summary>
    public const string Wo01Forbidden = "\"forbidden\": [\"network access\"]";

    /// <summary>Replaces exactly one occurrence of <paramref name="from"/>; fails loudly when the fixture drifted.</summary>
    public static string ReplaceOnce(string text, string from, string to)
    {
        var index = text.IndexOf(from, StringComparison.Ordinal);
        if (index < 0 || text.IndexOf(from, index + 1, StringComparison.Ordinal) >= 0)
        {
            throw new ArgumentException($"'{from}' must occur exactly once in the fixture", nameof(from));
        }
        return string.Concat(text.AsSpan(0, index), to, text.AsSpan(index + from.Length));
    }
}

/// <summary>Runs <c>llmc</c> in-process and captures what it printed.</summary>
internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await Infrastructure.InProcessLlmc.RunAsync(args);
        return new CliRun(exit, stdout, stderr);
    }

    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
