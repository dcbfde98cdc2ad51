using System.Text;
using System.Text.Json.Nodes;
using LlmCompiler.Tests.Containment;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// Work orders with <c>tests</c>, end to end on a real .NET fixture (a library and its MSTest project, restored and
/// tested with the real SDK in the sandbox) against a loopback model: the test author writes the tests first, they are
/// proven red for the right reason and frozen, and the executor is judged by them — by name, and twice in a row.
/// Every verdict is asserted in commits, trailers, requests and files.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class TestsFirstTests
{
    private const string Empty = LlmCompiler.Contracts.FileWrite.EmptySha256;
    private const string TestFile = "tests/Lib.Tests/SlugTests.cs";
    private const string Implementation = "src/Lib/Slug.cs";
    private const string Acceptance = "dotnet test tests/Lib.Tests/Lib.Tests.csproj -nologo";

    private const string SlugTests = """
        using Microsoft.VisualStudio.TestTools.UnitTesting;

        namespace Lib.Tests;

        [TestClass]
        public sealed class SlugTests
        {
            [TestMethod]
            public void Lowercases_and_joins_words_with_dashes() => Assert.AreEqual("hello-world", Lib.Slug.Of("Hello World"));
        }

        """;

    private const string Slug = "namespace Lib;\n\npublic static class Slug\n{\n    public static string Of(string text) => text.Trim().ToLowerInvariant().Replace(' ', '-');\n}\n";

    private static string TestProject(string extra = "") => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup><TargetFramework>net10.0</TargetFramework><IsTestProject>true</IsTestProject><Nullable>enable</Nullable></PropertyGroup>
          <ItemGroup>
            <PackageReference Include="MSTest.TestFramework" Version="4.5.2" />
            <PackageReference Include="MSTest.TestAdapter" Version="4.5.2" />
            <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.11.0" />
            {extra}
          </ItemGroup>
          <ItemGroup><ProjectReference Include="../../src/Lib/Lib.csproj" /></ItemGroup>
        </Project>

        """;

    /// <summary>The library (one existing type), its test project, committed: the baseline.</summary>
    private static async Task<AttackFixture> LibraryAsync(string testProjectExtra = "", params (string Path, string Content)[] more)
    {
        var f = await AttackFixture.CreateAsync();
        f.Repo.Write("src/Lib/Lib.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable></PropertyGroup></Project>\n")
            .Write("src/Lib/Existing.cs", "namespace Lib;\n\npublic static class Existing { }\n")
            .Write("tests/Lib.Tests/Lib.Tests.csproj", TestProject(testProjectExtra))
            .Write(".gitignore", ".env\nbin/\nobj/\n");
        foreach (var (path, content) in more) f.Repo.Write(path, content);
        f.Repo.Commit("library");
        return f;
    }

    private static bool IsAuthor(RecordedRequest r) => r.MessageContents[^1].StartsWith("You are the test author", StringComparison.Ordinal);

    /// <summary>The test author answers <paramref name="tests"/>; the executor answers the queue, the last one for ever.</summary>
    private static void Answers(AttackFixture f, string tests, params (string Path, string Content)[][] executor)
    {
        var next = 0;
        f.Server.Responder = request =>
        {
            if (IsAuthor(request)) return ScriptedResponse.Completion(WorkOrderFiles.Proposal((TestFile, Empty, tests)));
            var writes = executor[Math.Min(next++, executor.Length - 1)];
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal([.. writes.Select(w => (w.Path, w.Path == TestFile ? Sha(tests) : f.Sha(w.Path), w.Content))]));
        };
    }

    private static string Sha(string text) => LlmCompiler.IO.ContentHash.Sha256Hex(Encoding.UTF8.GetBytes(text));

    private static string WorkOrder(AttackFixture f, string[]? allowed = null) =>
        WorkOrderWithTests(f, allowed ?? [Implementation], [TestFile], Acceptance);

    private static string WorkOrderWithTests(AttackFixture f, string[] allowed, string[] tests, string acceptance)
    {
        var path = f.WorkOrder("WO-01", allowed, acceptance);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["tests"] = new JsonArray([.. tests.Select(t => (JsonNode)t)]);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private static Task<(int Exit, string Stdout, string Stderr)> Run(AttackFixture f, string wo, params string[] more) =>
        AttackFixture.Llmc(["run", .. f.Common("required", [wo, "--timeout-seconds", "600", .. more])]);

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:error|warning) ([EW]\d{3}):")]
    private static partial System.Text.RegularExpressions.Regex Code();

    /// <summary>
    /// Runs the work order recording its calls, then — back at the baseline, without the stored frozen tests — replays
    /// it: the same verdict and the same codes, and no live call. Returns the recorded run; the repository is as the
    /// replay left it.
    /// </summary>
    private static async Task<(int Exit, string Stdout, string Stderr)> RecordedAndReplayed(AttackFixture f, string wo, params string[] more)
    {
        var baseline = f.Repo.Head;
        var cassettes = Path.Combine(f.Repo.Base, "cassettes");
        // Without the frozen tests of an earlier run, so that the test author is asked (and recorded), as in a fresh clone.
        void ForgetFrozenTests() { if (Directory.Exists(f.Repo.PathOf(".llmc/runs/frozen"))) Directory.Delete(f.Repo.PathOf(".llmc/runs/frozen"), recursive: true); }
        ForgetFrozenTests();
        var recorded = await Run(f, wo, [.. more, "--llm-mode", "record", "--cassettes", cassettes]);
        f.Repo.Git("reset", "-q", "--hard", baseline);
        ForgetFrozenTests();
        var calls = f.Server.RequestCount;
        var replayed = await Run(f, wo, [.. more, "--llm-mode", "replay", "--cassettes", cassettes]);
        Assert.AreEqual(calls, f.Server.RequestCount, "the replay made a live call:\n" + replayed.Stderr);
        Assert.AreEqual(recorded.Exit, replayed.Exit, replayed.Stdout + replayed.Stderr);
        CollectionAssert.AreEquivalent(Codes(recorded.Stderr), Codes(replayed.Stderr), replayed.Stderr);
        return recorded;
    }

    private static string[] Codes(string text) => [.. Code().Matches(text).Select(m => m.Groups[1].Value).Distinct().Order()];

    private static JsonNode Summary(AttackFixture f) =>
        JsonNode.Parse(File.ReadAllText(Directory.GetFiles(f.Repo.PathOf(".llmc/runs/factory"), "run_summary.json", SearchOption.AllDirectories).OrderBy(File.GetLastWriteTimeUtc).Last()))!;

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public async Task The_test_author_writes_red_tests_the_executor_may_not_touch_and_both_land_in_one_commit(bool autocrlf)
    {
        await using var f = await LibraryAsync();
        if (autocrlf) f.Repo.Git("config", "core.autocrlf", "true");
        var baseline = f.Repo.Head;
        Answers(f, SlugTests,
            [(Implementation, Slug), (TestFile, "// the executor's own, easier test\n")],
            [(Implementation, Slug)]);
        var wo = WorkOrder(f);
        var cassettes = Path.Combine(f.Repo.Base, "cassettes");

        var (exit, stdout, stderr) = await Run(f, wo, "--max-attempts", "2", "--llm-mode", "record", "--cassettes", cassettes);

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual(3, f.Server.RequestCount, "one test author call, two executor calls");
        Assert.IsTrue(IsAuthor(f.Server.Requests[0]), "the tests are written first");
        StringAssert.Contains(stderr, "E222");
        StringAssert.Contains(f.Server.Requests[2].MessageContents[^1], "## Frozen tests (read-only)");
        StringAssert.Contains(f.Server.Requests[2].MessageContents[^1], "Lib.Slug.Of(\"Hello World\")");
        Assert.AreEqual(baseline, f.Repo.Git("rev-parse", "HEAD~1").Trim(), "one commit on the baseline");
        CollectionAssert.AreEqual(new[] { Implementation, TestFile }, f.Repo.Git("diff-tree", "-r", "--name-only", "--no-commit-id", "HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.AreEqual(SlugTests, f.Repo.Git("show", "HEAD:" + TestFile), "the frozen test landed as the test author wrote it");
        Assert.AreEqual(Slug, f.Repo.Git("show", "HEAD:" + Implementation));

        var message = f.Repo.Git("log", "-1", "--format=%B");
        var blob = f.Repo.Git("rev-parse", "HEAD:" + TestFile).Trim();
        Assert.AreEqual(LlmCompiler.Git.GitObjectId.Blob(Encoding.UTF8.GetBytes(SlugTests)), blob, "the frozen blob is the same whatever core.autocrlf says");
        StringAssert.Contains(message, $"Llmc-Frozen-Test: {TestFile} {blob} {Sha(SlugTests)}");
        StringAssert.Contains(message, "Llmc-Red: missing-symbols");
        StringAssert.Contains(message, "Llmc-Test-Author-Model: ");
        var summary = Summary(f)["tests_first"]!;
        Assert.AreEqual(blob, summary["frozen"]![0]!["blob"]!.GetValue<string>());
        StringAssert.Contains(summary["compiler_errors"]![0]!.GetValue<string>(), TestFile);

        // The recorded run replays: the same commit content with no live call (the test author's answer included).
        f.Repo.Git("reset", "-q", "--hard", baseline);
        Directory.Delete(f.Repo.PathOf(".llmc/runs/frozen"), recursive: true);
        var calls = f.Server.RequestCount;
        var (replayExit, replayOut, replayErr) = await Run(f, wo, "--max-attempts", "2", "--llm-mode", "replay", "--cassettes", cassettes);
        Assert.AreEqual(0, replayExit, replayOut + replayErr);
        Assert.AreEqual(calls, f.Server.RequestCount, "a replay makes no live call");
        Assert.AreEqual(SlugTests, f.Repo.Git("show", "HEAD:" + TestFile));
        Assert.AreEqual(Slug, f.Repo.Git("show", "HEAD:" + Implementation));
        if (autocrlf) return;

        // Run again (--force): the frozen tests of the last run are reused, the test author is not asked.
        f.Repo.Git("reset", "-q", "--hard", baseline);
        var before = f.Server.Requests.Count(IsAuthor);
        var (againExit, againOut, againErr) = await Run(f, wo, "--max-attempts", "2", "--force");
        Assert.AreEqual(0, againExit, againOut + againErr);
        Assert.AreEqual(before, f.Server.Requests.Count(IsAuthor), "the same work order keeps its frozen tests");
        StringAssert.Contains(againErr, "reusing the frozen tests of its last run");
        Assert.AreEqual(blob, f.Repo.Git("rev-parse", "HEAD:" + TestFile).Trim());
    }

    [TestMethod]
    public async Task Code_under_test_that_rewrites_its_frozen_test_while_it_runs_is_caught_and_nothing_lands()
    {
        await using var f = await LibraryAsync();
        // The implementation passes the test, and appends to the test file from inside the test host.
        const string tampering = "namespace Lib;\n\npublic static class Slug\n{\n    public static string Of(string text)\n    {\n"
            + "        System.IO.File.AppendAllText(System.IO.Path.Combine(System.AppContext.BaseDirectory, \"../../../SlugTests.cs\"), \"// weakened\\n\");\n"
            + "        return text.Trim().ToLowerInvariant().Replace(' ', '-');\n    }\n}\n";
        Answers(f, SlugTests, [(Implementation, tampering)]);
        var baseline = f.Repo.Head;

        var (exit, stdout, stderr) = await Run(f, WorkOrder(f), "--max-attempts", "1");

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "error E223");
        Assert.AreEqual(baseline, f.Repo.Head, "nothing landed");
        Assert.IsFalse(File.Exists(f.Repo.PathOf(TestFile)));
    }

    [TestMethod]
    public async Task Tests_that_pass_without_the_implementation_are_not_red_and_no_executor_is_asked()
    {
        await using var f = await LibraryAsync();
        Answers(f, "using Microsoft.VisualStudio.TestTools.UnitTesting;\nnamespace Lib.Tests;\n[TestClass]\npublic sealed class SlugTests { [TestMethod] public void Nothing() => Assert.AreEqual(1, 1); }\n", [(Implementation, Slug)]);

        var (exit, stdout, stderr) = await RecordedAndReplayed(f, WorkOrder(f));

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "error E220");
        Assert.IsTrue(f.Server.Requests.All(IsAuthor), "no executor call before the tests are red");
        Assert.AreEqual(2, f.Server.RequestCount, "the same tests a second time are judged the same: no third call");
        Assert.IsFalse(File.Exists(f.Repo.PathOf(TestFile)));
    }

    [TestMethod]
    public async Task A_syntax_error_in_the_tests_is_red_for_the_wrong_reason()
    {
        await using var f = await LibraryAsync();
        Answers(f, "using Microsoft.VisualStudio.TestTools.UnitTesting;\nnamespace Lib.Tests;\n[TestClass]\npublic sealed class SlugTests { [TestMethod] public void Broken() { Assert.AreEqual(\"a\", Lib.Slug.Of(\"A\")) } }\n", [(Implementation, Slug)]);

        var (exit, stdout, stderr) = await RecordedAndReplayed(f, WorkOrder(f));

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "error E221");
        StringAssert.Contains(stderr, "CS1002");
        Assert.IsTrue(f.Server.Requests.All(IsAuthor));
    }

    [TestMethod]
    public async Task A_restore_error_is_red_for_the_wrong_reason()
    {
        await using var f = await LibraryAsync("<PackageReference Include=\"LlmCompiler.Does.Not.Exist\" Version=\"1.0.0\" />");
        Answers(f, SlugTests, [(Implementation, Slug)]);

        var (exit, stdout, stderr) = await Run(f, WorkOrder(f));

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "error E221");
        StringAssert.Contains(stderr, "a restore error");
        Assert.IsTrue(f.Server.Requests.All(IsAuthor));
    }

    [TestMethod]
    public async Task An_implementation_that_passes_by_excluding_the_frozen_test_from_the_build_is_not_green()
    {
        await using var f = await LibraryAsync();
        const string project = "tests/Lib.Tests/Lib.Tests.csproj";
        Answers(f, SlugTests, [(Implementation, Slug), (project, TestProject().Replace("<ItemGroup><ProjectReference", "<ItemGroup><Compile Remove=\"SlugTests.cs\" /></ItemGroup>\n  <ItemGroup><ProjectReference", StringComparison.Ordinal))]);

        var baseline = f.Repo.Head;
        var (exit, stdout, stderr) = await RecordedAndReplayed(f, WorkOrder(f, [Implementation, project]), "--max-attempts", "1");

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "error E224");
        StringAssert.Contains(stderr, "no test of the frozen files ran");
        Assert.AreEqual(baseline, f.Repo.Head, "nothing landed");
        Assert.IsFalse(File.Exists(f.Repo.PathOf(Implementation)));
    }

    [TestMethod]
    public async Task A_test_that_passes_then_fails_is_flaky_and_the_executor_is_not_asked_again()
    {
        await using var f = await LibraryAsync();
        // Passes when the marker is absent (and leaves it), fails when it is there (and removes it): pass, then fail.
        const string toggling = """
            using Microsoft.VisualStudio.TestTools.UnitTesting;

            namespace Lib.Tests;

            [TestClass]
            public sealed class SlugTests
            {
                [TestMethod]
                public void Lowercases_and_joins_words_with_dashes()
                {
                    var marker = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "llmc-flake-marker");
                    var second = System.IO.File.Exists(marker);
                    if (second) System.IO.File.Delete(marker); else System.IO.File.WriteAllText(marker, "1");
                    Assert.AreEqual(second ? "nope" : "hello-world", Lib.Slug.Of("Hello World"));
                }
            }

            """;
        Answers(f, toggling, [(Implementation, Slug)]);

        var (exit, stdout, stderr) = await RecordedAndReplayed(f, WorkOrder(f), "--max-attempts", "3");

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "error E225");
        Assert.AreEqual(1, f.Server.Requests.Count(r => !IsAuthor(r)), "a flaky pass is not blamed on the executor's code");
        Assert.IsFalse(File.Exists(f.Repo.PathOf(Implementation)));
    }

    [TestMethod]
    public async Task A_test_that_already_fails_at_the_baseline_is_a_warning_and_not_blamed()
    {
        await using var f = await LibraryAsync("", ("tests/Lib.Tests/ExistingTests.cs",
            "using Microsoft.VisualStudio.TestTools.UnitTesting;\nnamespace Lib.Tests;\n[TestClass]\npublic sealed class ExistingTests { [TestMethod] public void Broken() => Assert.Fail(\"broken before llmc\"); }\n"));
        Answers(f, SlugTests, [(Implementation, Slug)]);
        var wo = WorkOrderWithTests(f, [Implementation], [TestFile], Acceptance + " --filter FullyQualifiedName~Lib.Tests.SlugTests");

        var (exit, stdout, stderr) = await Run(f, wo, "--verify-command", Acceptance, "--max-attempts", "1");

        Assert.AreEqual(0, exit, stdout + stderr);
        StringAssert.Contains(stderr, "warning W220");
        StringAssert.Contains(stderr, "Lib.Tests.ExistingTests.Broken");
        Assert.AreEqual(Slug, f.Repo.Git("show", "HEAD:" + Implementation));
        f.Repo.Git("reset", "-q", "--hard", "HEAD~1");
        await RecordedAndReplayed(f, wo, "--verify-command", Acceptance, "--max-attempts", "1");
    }
}
