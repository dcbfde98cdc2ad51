using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>
/// The first natural setup of a new user, on a realistic repository built in the test (a solution with a library
/// and its MSTest project, <c>Directory.Build.props</c>, the package referenced from the library, work orders in
/// its folder, default settings): one <c>dotnet build -t:Factory</c> lands every work order, a retry's brief
/// carries the failing assertion, a recorded run replays in a fresh clone elsewhere, a solution build runs the work
/// once, and the progress is visible through the terminal logger.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RealRepositoryTests
{
    [TestMethod]
    public void One_factory_build_with_default_settings_lands_all_three_then_a_recorded_run_replays_in_a_fresh_clone()
    {
        var package = PackageFeed.Get();
        using var product = new LibrarySolution(package);
        product.WritePlan();
        product.Git("add", "-A");
        product.Git("commit", "-q", "-m", "Plan");
        var planCommit = product.Git("rev-parse", "HEAD").Trim();
        var wo02Prompts = new List<string>();
        using var server = LoopbackLlmServer.AnsweringAsync((prompt, n) => product.Executor(prompt, n, wo02Prompts)).GetAwaiter().GetResult();

        var run = product.Build(null, "src/Lib/Lib.csproj", "-t:Factory", $"-p:LlmcEndpoint={server.BaseUrl}", "-p:LlmcModel=loopback-model");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        foreach (var id in new[] { "WO-01", "WO-02", "WO-03" }) StringAssert.Contains(run.Output, $"Factory: {id} PASS");
        StringAssert.Contains(run.Output, "Factory: 3 landed");
        Assert.AreEqual(4, server.RequestCount, "WO-02 needed exactly one retry");
        Assert.HasCount(2, wo02Prompts);
        StringAssert.Contains(wo02Prompts[1], "previous attempt FAILED");
        StringAssert.Contains(wo02Prompts[1], "hello_world", "the retry's brief names the failing assertion's values");
        StringAssert.Contains(wo02Prompts[1], "Joins_words_with_dashes");
        var subjects = product.Git("log", "--format=%s", $"{planCommit}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "WO-03: Document Slug", "WO-02: Test Slug.Create", "WO-01: Add Slug.Create" }, subjects);
        Assert.AreEqual("", product.Git("status", "--porcelain"), "the recorded cassettes landed with their work orders; nothing is left untracked");
        var cassettes = Directory.GetFiles(product.PathOf("llmc/cassettes"), "executor-*.json");
        Assert.HasCount(4, cassettes, "one cassette per exchange, the failed attempt's included");

        // A fresh clone in another folder, at the plan's commit, with the cassettes committed once: replay, no server.
        server.Dispose();
        using var elsewhere = new TempDirectory("llmc-replay-elsewhere");
        var clone = Path.Combine(elsewhere.Path, "somewhere", "else", "Lib");
        ChildProcess.GitOk(elsewhere.Path, "clone", "-q", product.Root, clone);
        ChildProcess.GitOk(clone, "reset", "-q", "--hard", planCommit);
        Directory.CreateDirectory(Path.Combine(clone, "llmc", "cassettes"));
        foreach (var cassette in cassettes) File.Copy(cassette, Path.Combine(clone, "llmc", "cassettes", Path.GetFileName(cassette)));
        ChildProcess.GitOk(clone, "add", "-A");
        ChildProcess.GitOk(clone, "-c", "user.name=CI", "-c", "user.email=ci@example.invalid", "commit", "-q", "-m", "Recorded cassettes");
        var replayed = ChildProcess.Run(ChildProcess.DotnetHost(), clone,
            ["build", "src/Lib/Lib.csproj", "-t:Factory", "-p:LlmcMode=replay", "-p:LlmcEndpoint=http://127.0.0.1:9/v1/", "-p:LlmcModel=loopback-model", "-nologo", "-nr:false"],
            new Dictionary<string, string?> { ["NUGET_PACKAGES"] = package.PackagesDirectory }, TimeSpan.FromMinutes(8));

        Assert.AreEqual(0, replayed.ExitCode, replayed.ToString());
        StringAssert.Contains(replayed.Output, "Factory: 3 landed, 0 already landed, 4 LLM call(s) (4 from cassettes)");
        Assert.AreEqual(
            File.ReadAllText(Path.Combine(product.Root, "tests", "Lib.Tests", "SlugTests.cs")),
            File.ReadAllText(Path.Combine(clone, "tests", "Lib.Tests", "SlugTests.cs")),
            "the replay wrote the same bytes as the recorded run");
    }

    [TestMethod]
    public void A_solution_factory_build_with_the_package_in_Directory_Build_props_runs_the_work_once_and_reports_each_diagnostic_once()
    {
        var package = PackageFeed.Get();
        using var product = new LibrarySolution(package, packageInDirectoryBuildProps: true);
        // A typo the contract check warns about (W102), to count how often it is reported.
        product.WritePlan(extraWo1Property: "\"notez\": \"typo\"");
        product.Git("add", "-A");
        product.Git("commit", "-q", "-m", "Plan");
        var wo02Prompts = new List<string>();
        using var server = LoopbackLlmServer.AnsweringAsync((prompt, n) => product.Executor(prompt, n, wo02Prompts)).GetAwaiter().GetResult();

        var build = product.Build(null, "Lib.sln");
        var run = product.Build(null, "Lib.sln", "-t:Factory", $"-p:LlmcEndpoint={server.BaseUrl}", "-p:LlmcModel=loopback-model");

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        Assert.AreEqual(1, ProductRepo.Diagnostics(build.Output).Count(d => d.Code == "W102"), "one W102 in a solution build:\n" + build);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual(1, CountLines(run.Output, "Factory: WO-01 PASS"), run.ToString());
        Assert.AreEqual(1, CountLines(run.Output, "Factory: 3 landed"), run.ToString());
        Assert.AreEqual(4, server.RequestCount);
        Assert.AreEqual(3, product.Git("log", "--format=%s", "--grep=^Work-Order:").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [TestMethod]
    public void The_terminal_logger_shows_each_attempt_and_each_landed_work_order_at_default_verbosity()
    {
        var package = PackageFeed.Get();
        using var product = new LibrarySolution(package);
        product.WritePlan();
        product.Git("add", "-A");
        product.Git("commit", "-q", "-m", "Plan");
        var wo02Prompts = new List<string>();
        using var server = LoopbackLlmServer.AnsweringAsync((prompt, n) => product.Executor(prompt, n, wo02Prompts)).GetAwaiter().GetResult();
        var command = $"'{ChildProcess.DotnetHost()}' build src/Lib/Lib.csproj -t:Factory -tl:on -nologo -nr:false -p:LlmcEndpoint={server.BaseUrl} -p:LlmcModel=loopback-model";

        // script(1) gives the build a pseudo-terminal, so MSBuild uses the terminal logger as in an interactive shell.
        var run = ChildProcess.Run("script", product.Root, ["-qec", command, "/dev/null"],
            new Dictionary<string, string?> { ["NUGET_PACKAGES"] = package.PackagesDirectory, ["TERM"] = "xterm" }, TimeSpan.FromMinutes(8));

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        foreach (var id in new[] { "WO-01", "WO-02", "WO-03" })
        {
            StringAssert.Contains(run.Output, $"Factory: {id} PASS");
            StringAssert.Contains(run.Output, $"llmc: {id} attempt 1/");
        }
        StringAssert.Contains(run.Output, "llmc: WO-02 attempt 2/");
        StringAssert.Contains(run.Output, "Factory: 3 landed");
    }

    private static int CountLines(string output, string text) =>
        output.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));
}
