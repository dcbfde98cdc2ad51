using System.Text.Json.Nodes;

namespace LlmCompiler.Build.Tests.TestSupport;

/// <summary>
/// A realistic product, built in the test as a new user's repository would look: a solution with a library
/// (<c>src/Lib</c>) and its MSTest project (<c>tests/Lib.Tests</c>, one smoke test), a <c>Directory.Build.props</c>,
/// a README, and the package referenced either from the library project itself (work orders in
/// <c>src/Lib/workorders/</c>) or from <c>Directory.Build.props</c> (work orders in a root <c>workorders/</c>, plus a
/// second library so the solution has three projects). Default settings otherwise.
/// </summary>
internal sealed class LibrarySolution : IDisposable
{
    public const string PlannerRun = "01JTESTPLANNERRUN000000000";

    private readonly TestRepo _repo = new();
    private readonly PackedPackage _package;

    public LibrarySolution(PackedPackage package, bool packageInDirectoryBuildProps = false)
    {
        _package = package;
        PackageInDirectoryBuildProps = packageInDirectoryBuildProps;
        Write("nuget.config", package.NuGetConfig);
        var packageReference = $"""<PackageReference Include="LlmCompiler.Build" Version="{package.Version}" PrivateAssets="all" />""";
        Write("Directory.Build.props", $"""
            <Project>
              <PropertyGroup>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
              </PropertyGroup>
              {(packageInDirectoryBuildProps ? $"<ItemGroup>{packageReference}</ItemGroup>" : "")}
            </Project>
            """);
        Write("src/Lib/Lib.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              {(packageInDirectoryBuildProps ? "" : $"<ItemGroup>{packageReference}</ItemGroup>")}
            </Project>
            """);
        Write("src/Lib/Greeting.cs", "namespace Lib;\n\npublic static class Greeting\n{\n    public static string Hello() => \"hello\";\n}\n");
        Write("tests/Lib.Tests/Lib.Tests.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework><IsTestProject>true</IsTestProject></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="MSTest.TestFramework" Version="4.5.2" />
                <PackageReference Include="MSTest.TestAdapter" Version="4.5.2" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.11.0" />
              </ItemGroup>
              <ItemGroup><ProjectReference Include="../../src/Lib/Lib.csproj" /></ItemGroup>
            </Project>
            """);
        Write("tests/Lib.Tests/SmokeTests.cs", "using Microsoft.VisualStudio.TestTools.UnitTesting;\n\nnamespace Lib.Tests;\n\n[TestClass]\npublic sealed class SmokeTests\n{\n    [TestMethod]\n    public void Greets() => Assert.AreEqual(\"hello\", Lib.Greeting.Hello());\n}\n");
        var projects = new List<(string Name, string Path, string Guid)>
        {
            ("Lib", "src/Lib/Lib.csproj", "{11111111-1111-1111-1111-111111111111}"),
            ("Lib.Tests", "tests/Lib.Tests/Lib.Tests.csproj", "{22222222-2222-2222-2222-222222222222}"),
        };
        if (packageInDirectoryBuildProps)
        {
            Write("src/Lib2/Lib2.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n");
            Write("src/Lib2/Other.cs", "namespace Lib2;\n\npublic static class Other { }\n");
            projects.Add(("Lib2", "src/Lib2/Lib2.csproj", "{33333333-3333-3333-3333-333333333333}"));
        }
        Write("Lib.sln", Solution(projects));
        Write("README.md", "# Lib\n\nA small library.\n");
        Write(".gitignore", "bin/\nobj/\n*.binlog\n");
        _repo.Commit("Lib: library, tests, solution");
    }

    public bool PackageInDirectoryBuildProps { get; }

    public string Root => _repo.Root;

    /// <summary>Where the work orders go: the library project's folder, or the root with the package in Directory.Build.props.</summary>
    public string WorkOrdersFolder => PackageInDirectoryBuildProps ? "workorders" : "src/Lib/workorders";

    public void Write(string relativePath, string content) => _repo.Write(relativePath, content);

    public string PathOf(string relativePath) => _repo.PathOf(relativePath);

    /// <summary>The three work orders of the scenario (a source file, a test class, a README edit) and the manifest.</summary>
    public void WritePlan(string? wo2Title = null, string? extraWo1Property = null)
    {
        var folder = WorkOrdersFolder;
        Write($"{folder}/WO-01.json", WorkOrder("WO-01", "Add Slug.Create", "Add Lib.Slug with Create(string) that lower-cases and joins words with '-'.",
            [Absent("src/Lib/Slug.cs")], ["src/Lib/Slug.cs"], ["dotnet build src/Lib/Lib.csproj"], ["src/Lib/Greeting.cs"], extraWo1Property));
        Write($"{folder}/WO-02.json", WorkOrder("WO-02", wo2Title ?? "Test Slug.Create", "Add MSTest tests for Slug.Create.",
            [Absent("tests/Lib.Tests/SlugTests.cs"), Exists("src/Lib/Slug.cs")], ["tests/Lib.Tests/SlugTests.cs"],
            ["dotnet test tests/Lib.Tests/Lib.Tests.csproj --filter FullyQualifiedName~SlugTests"], ["src/Lib/Slug.cs"]));
        Write($"{folder}/WO-03.json", WorkOrder("WO-03", "Document Slug", "Mention Slug.Create in the README.",
            [Exists("README.md")], ["README.md"], ["grep -q Slug README.md"], []));
        Write($"{folder}/WORK_ORDERS_MANIFEST.json", new JsonObject
        {
            ["system_overview"] = new JsonArray("A small library."),
            ["verify_contract"] = new JsonObject
            {
                ["command"] = "dotnet test tests/Lib.Tests/Lib.Tests.csproj",
                ["requires"] = new JsonArray(new JsonObject { ["kind"] = "file_exists", ["path"] = "tests/Lib.Tests/Lib.Tests.csproj" }),
            },
            ["work_orders"] = new JsonArray(),
        }.ToJsonString(new() { WriteIndented = true }));
    }

    public const string SlugSource = "namespace Lib;\n\npublic static class Slug\n{\n    public static string Create(string text) =>\n        string.Join('-', text.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();\n}\n";

    public static string SlugTests(string expected) =>
        "using Microsoft.VisualStudio.TestTools.UnitTesting;\n\nnamespace Lib.Tests;\n\n[TestClass]\npublic sealed class SlugTests\n{\n    [TestMethod]\n"
        + $"    public void Joins_words_with_dashes() => Assert.AreEqual(\"{expected}\", Lib.Slug.Create(\"Hello World\"));\n}}\n";

    /// <summary>
    /// The executor of the scenario: WO-01 writes Slug.cs; WO-02's first answer expects the wrong slug (its test fails
    /// with an assertion), its second the right one; WO-03 rewrites the README. The README's base hash is real.
    /// </summary>
    public string Executor(string prompt, int number, List<string> wo02Prompts)
    {
        if (prompt.Contains("Work order WO-01", StringComparison.Ordinal)) return WorkOrderFiles.ProposalCreating("scripted answer", ("src/Lib/Slug.cs", SlugSource));
        if (prompt.Contains("Work order WO-02", StringComparison.Ordinal))
        {
            lock (wo02Prompts)
            {
                wo02Prompts.Add(prompt);
                return WorkOrderFiles.ProposalCreating("scripted answer", ("tests/Lib.Tests/SlugTests.cs", SlugTests(wo02Prompts.Count == 1 ? "hello_world" : "hello-world")));
            }
        }
        var readme = File.ReadAllBytes(PathOf("README.md"));
        var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(readme)).ToLowerInvariant();
        return WorkOrderFiles.Proposal("document Slug", ("README.md", sha, "# Lib\n\nA small library. `Slug.Create` turns text into a slug.\n"));
    }

    public ChildResult Build(IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["NUGET_PACKAGES"] = _package.PackagesDirectory };
        if (environment is not null) foreach (var (k, v) in environment) env[k] = v;
        return ChildProcess.Run(ChildProcess.DotnetHost(), Root, ["build", .. arguments, "-nologo", "-nr:false"], env, TimeSpan.FromMinutes(8));
    }

    public string Git(params string[] args) => _repo.Git(args);

    public void Dispose() => _repo.Dispose();

    private static JsonObject Exists(string path) => new() { ["kind"] = "file_exists", ["path"] = path };
    private static JsonObject Absent(string path) => new() { ["kind"] = "file_absent", ["path"] = path };

    private static string WorkOrder(string id, string title, string intent, JsonObject[] pre, string[] allowed, string[] acceptance, string[] context, string? extra = null)
    {
        var wo = new JsonObject
        {
            ["id"] = id, ["title"] = title, ["intent"] = intent,
            ["preconditions"] = new JsonArray([.. pre]),
            ["postconditions"] = new JsonArray([.. allowed.Select(a => (JsonNode)Exists(a))]),
            ["allowed_files"] = new JsonArray([.. allowed.Select(a => (JsonNode)a)]),
            ["forbidden"] = new JsonArray(),
            ["acceptance_commands"] = new JsonArray([.. acceptance.Select(a => (JsonNode)a)]),
            ["context_files"] = new JsonArray([.. context.Select(c => (JsonNode)c)]),
            ["notes"] = null,
            ["verify_exempt"] = false,
            ["provenance"] = new JsonObject { ["planner_run_id"] = PlannerRun, ["bootstrap"] = false },
        };
        var text = wo.ToJsonString(new() { WriteIndented = true });
        return extra is null ? text : text.Replace("\"notes\": null", extra + ",\n  \"notes\": null", StringComparison.Ordinal);
    }

    private static string Solution(IEnumerable<(string Name, string Path, string Guid)> projects)
    {
        var lines = new List<string> { "", "Microsoft Visual Studio Solution File, Format Version 12.00", "# Visual Studio Version 17" };
        foreach (var (name, path, guid) in projects)
        {
            lines.Add($"Project(\"{{9A19103F-16F7-4668-BE54-9A1E7A4F7556}}\") = \"{name}\", \"{path.Replace('/', '\\')}\", \"{guid}\"");
            lines.Add("EndProject");
        }
        lines.Add("Global");
        lines.Add("\tGlobalSection(SolutionConfigurationPlatforms) = preSolution");
        lines.Add("\t\tDebug|Any CPU = Debug|Any CPU");
        lines.Add("\tEndGlobalSection");
        lines.Add("\tGlobalSection(ProjectConfigurationPlatforms) = postSolution");
        foreach (var (_, _, guid) in projects)
        {
            lines.Add($"\t\t{guid}.Debug|Any CPU.ActiveCfg = Debug|Any CPU");
            lines.Add($"\t\t{guid}.Debug|Any CPU.Build.0 = Debug|Any CPU");
        }
        lines.Add("\tEndGlobalSection");
        lines.Add("EndGlobal");
        return string.Join("\r\n", lines) + "\r\n";
    }
}
