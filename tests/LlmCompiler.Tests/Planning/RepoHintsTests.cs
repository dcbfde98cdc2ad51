using LlmCompiler.Planning;

namespace LlmCompiler.Tests.Planning;

[TestClass]
public sealed class RepoHintsTests
{
    [TestMethod]
    public void Lists_solutions_projects_with_frameworks_and_test_projects()
    {
        using var fx = new PlanFixture();
        var repo = Path.Combine(fx.Root, "repo");
        Write(repo, "Acme.sln", "");
        Write(repo, "Directory.Packages.props", "<Project />");
        Write(repo, "src/Acme/Acme.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFrameworks>net8.0;net10.0</TargetFrameworks></PropertyGroup></Project>");
        Write(repo, "src/Acme.Cli/Acme.Cli.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>");
        Write(repo, "tests/Acme.Checks/Acme.Checks.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><ItemGroup><PackageReference Include=\"MSTest.TestFramework\" /></ItemGroup></Project>");
        Write(repo, "tests/Broken/Broken.Tests.csproj", "<Project <<< not xml");

        var hints = RepoHints.Build(repo, ["Acme.sln", "Directory.Packages.props", "src/Acme/Acme.csproj", "src/Acme.Cli/Acme.Cli.csproj",
            "tests/Acme.Checks/Acme.Checks.csproj", "tests/Broken/Broken.Tests.csproj"]);

        StringAssert.Contains(hints, "Solutions: Acme.sln");
        StringAssert.Contains(hints, "Build-wide files: Directory.Packages.props");
        StringAssert.Contains(hints, "- src/Acme/Acme.csproj: net8.0;net10.0; library");
        StringAssert.Contains(hints, "- src/Acme.Cli/Acme.Cli.csproj: net10.0; executable");
        StringAssert.Contains(hints, "- tests/Acme.Checks/Acme.Checks.csproj: (framework not set in the project file); test project");
        StringAssert.Contains(hints, "- tests/Broken/Broken.Tests.csproj: (framework not set in the project file); test project");
        StringAssert.Contains(hints, "Top-level folders: src/, tests/");
        StringAssert.Contains(hints, "Files at the top level: Acme.sln, Directory.Packages.props");
    }

    [TestMethod]
    public void Huge_repositories_give_bounded_hints()
    {
        var files = Enumerable.Range(0, 5000).Select(i => $"dir{i % 400}/p{i}/P{i}.csproj").ToList();

        var hints = RepoHints.Build(Path.GetTempPath(), files);

        Assert.IsLessThanOrEqualTo(RepoHints.MaxChars + 40, hints.Length);
        StringAssert.Contains(hints, "more projects");
    }

    [TestMethod]
    public void Same_listing_in_any_order_gives_the_same_hints()
    {
        string[] files = ["b/x.cs", "a/y.cs", "README.md"];

        Assert.AreEqual(RepoHints.Build(Path.GetTempPath(), files), RepoHints.Build(Path.GetTempPath(), [.. files.Reverse()]));
    }

    [TestMethod]
    public void Excluded_folders_and_new_files_in_known_folders_do_not_change_the_hints()
    {
        string[] before = ["App.csproj", "llmc/cassettes/.gitkeep", "src/A.cs"];
        string[] after = ["App.csproj", "llmc/cassettes/.gitkeep", "llmc/cassettes/planner-0123.json", "src/A.cs", "src/B.cs", "plan/WO-01.json"];

        Assert.AreEqual(RepoHints.Build(Path.GetTempPath(), before, ["plan"]), RepoHints.Build(Path.GetTempPath(), after, ["plan/"]));
        Assert.AreNotEqual(RepoHints.Build(Path.GetTempPath(), before), RepoHints.Build(Path.GetTempPath(), after));
    }

    private static void Write(string root, string relative, string content)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
