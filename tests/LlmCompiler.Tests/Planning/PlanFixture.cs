namespace LlmCompiler.Tests.Planning;

/// <summary>A temp folder with a spec, an output folder and an artifacts folder; deleted on dispose.</summary>
internal sealed class PlanFixture : IDisposable
{
    public const string SampleSpec = "# Calculator\n\nA .NET 8 class library `Calc` with `Add(int, int)` and an MSTest project that tests it.\n";

    private readonly TempDirectory _root = new("llmc-plan");

    public PlanFixture(string spec = SampleSpec)
    {
        Root = _root.Path;
        SpecPath = Path.Combine(Root, "spec.md");
        File.WriteAllText(SpecPath, spec);
        OutDir = Path.Combine(Root, "out");
        ArtifactsDir = Path.Combine(Root, "artifacts");
    }

    public string Root { get; }
    public string SpecPath { get; }
    public string OutDir { get; }
    public string ArtifactsDir { get; }

    public LlmCompiler.Planning.PlanCompileOptions Options(string? artifactsDir = null) => new()
    {
        SpecPath = SpecPath,
        OutDir = OutDir,
        ArtifactsDir = artifactsDir ?? ArtifactsDir,
    };

    public string[] OutputFiles() =>
        Directory.Exists(OutDir) ? [.. Directory.GetFiles(OutDir).Select(Path.GetFileName).Order(StringComparer.Ordinal)!] : [];

    public void Dispose() => _root.Dispose();
}

/// <summary>Plans as a model would write them.</summary>
internal static class SamplePlans
{
    /// <summary>Two work orders that pass every contract check against an empty repository.</summary>
    public const string Valid = """
    {
      "system_overview": ["Calc is a class library; Calc.Tests holds its MSTest tests."],
      "verify_contract": {
        "command": "dotnet test tests/Calc.Tests/Calc.Tests.csproj",
        "requires": [{"kind": "file_exists", "path": "tests/Calc.Tests/Calc.Tests.csproj"}]
      },
      "work_orders": [
        {
          "id": "WO-01",
          "title": "Create the Calc library",
          "intent": "Add src/Calc/Calc.csproj (net8.0 class library) and src/Calc/Calculator.cs with public static int Add(int a, int b).",
          "preconditions": [{"kind": "file_absent", "path": "src/Calc/Calc.csproj"}, {"kind": "file_absent", "path": "src/Calc/Calculator.cs"}],
          "postconditions": [{"kind": "file_exists", "path": "src/Calc/Calc.csproj"}, {"kind": "file_exists", "path": "src/Calc/Calculator.cs"}],
          "allowed_files": ["src/Calc/Calc.csproj", "src/Calc/Calculator.cs"],
          "forbidden": [],
          "acceptance_commands": ["dotnet build src/Calc/Calc.csproj"],
          "context_files": ["src/Calc/Calc.csproj", "src/Calc/Calculator.cs"],
          "notes": null,
          "depends_on": null,
          "tests": null, "difficulty": null
        },
        {
          "id": "WO-02",
          "title": "Test Add",
          "intent": "Add an MSTest project tests/Calc.Tests referencing src/Calc with a test class CalculatorTests covering Add.",
          "preconditions": [{"kind": "file_exists", "path": "src/Calc/Calculator.cs"}, {"kind": "file_absent", "path": "tests/Calc.Tests/Calc.Tests.csproj"}, {"kind": "file_absent", "path": "tests/Calc.Tests/CalculatorTests.cs"}],
          "postconditions": [{"kind": "file_exists", "path": "tests/Calc.Tests/Calc.Tests.csproj"}, {"kind": "file_exists", "path": "tests/Calc.Tests/CalculatorTests.cs"}],
          "allowed_files": ["tests/Calc.Tests/Calc.Tests.csproj", "tests/Calc.Tests/CalculatorTests.cs"],
          "forbidden": ["src/Calc/Calculator.cs"],
          "acceptance_commands": ["dotnet test tests/Calc.Tests/Calc.Tests.csproj --filter FullyQualifiedName~CalculatorTests"],
          "context_files": ["tests/Calc.Tests/Calc.Tests.csproj", "tests/Calc.Tests/CalculatorTests.cs", "src/Calc/Calculator.cs"],
          "notes": "Use MSTest.",
          "depends_on": null,
          "tests": null, "difficulty": null
        }
      ]
    }
    """;

    /// <summary>The valid plan with WO-02's title removed (E005) — a mistake the contract reader always catches.</summary>
    public static string MissingTitle => Valid.Replace("\"title\": \"Test Add\",", "", StringComparison.Ordinal);
}
