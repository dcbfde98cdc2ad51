using LlmCompiler.Contracts;
using LlmCompiler.Factory;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// <see cref="CommandFailure"/> on real output of failing <c>dotnet build</c> and <c>dotnet test</c> runs (SDK 10,
/// MSTest 4.5, xUnit 2.9), captured into <c>TestData/CommandOutput</c> with the capture folder replaced by
/// <c>{WORKTREE}</c>; each test puts a fake attempt worktree there, laid out as <c>RepositoryLayout</c> lays it.
/// <c>run1</c> and <c>run2</c> are two real runs of the same fixture in two different folders, so they differ in
/// timings (and, for the NU1603 one, in the order restore finished its projects).
/// </summary>
[TestClass]
public sealed class CommandFailureTests
{
    private const string Placeholder = "{WORKTREE}";

    /// <summary>What <c>CommandFailure.Excerpt</c> never exceeds: its error section's 1,200 characters plus the tail's 200-character floor.</summary>
    private const int ExcerptFloor = 1200 + 200;

    private static readonly FakeMachine Alice = new("/home/alice", "/home/alice/src/slugs", "3f9c2a71d0e4b5a6");
    private static readonly FakeMachine Agent = new("/var/lib/buildagent", "/var/lib/buildagent/_work/12/s", "0123456789abcdef");

    private static readonly string[] Captures =
        ["build-cs0103", "mstest-areequal", "xunit-equal", "nu1603-noise-xunit", "xunit-theory-30-failures", "mstest-trx-logger"];

    /// <summary>A machine's folders as <c>RepositoryLayout</c> and <c>AttemptSlot</c> place them (cache under the home).</summary>
    private sealed record FakeMachine(string Home, string Checkout, string RepositoryId)
    {
        public string Cache => Home + "/.cache/llmc";
        public string Worktree => $"{Cache}/worktrees/{RepositoryId}/attempt";
        public string ScratchTmp => $"{Cache}/scratch/{RepositoryId}/attempt/tmp";
        public string ScratchHome => $"{Cache}/scratch/{RepositoryId}/attempt/home";
        public string Packages => $"{Cache}/nuget-packages/{RepositoryId}";

        /// <summary>The same literals and tokens, in the same order, as <c>WorkOrderRun.MachinePaths</c> yields them.</summary>
        public CommandFailure Failure() => new(
        [
            (Worktree, ""), (ScratchTmp, "$TMPDIR"), (ScratchHome, "$HOME"), (Packages, "$NUGET_PACKAGES"), (Checkout, "$CHECKOUT"), (Home, "~"),
        ]);

        public (string Stdout, string Stderr) Capture(string name, int run = 1) => (Read(name, run, "stdout", Worktree), Read(name, run, "stderr", Worktree));
    }

    private static string Read(string name, int run, string stream, string worktree)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "CommandOutput", $"{name}.run{run}.{stream}.txt");
        return File.ReadAllText(path).Replace(Placeholder, worktree, StringComparison.Ordinal);
    }

    /// <summary>The lines of one excerpt section (<c>[errors]</c>, <c>[stdout]</c>, …) up to the next section header.</summary>
    private static string Section(string excerpt, string header)
    {
        var lines = excerpt.Split('\n');
        var start = Array.FindIndex(lines, l => l == header || l.StartsWith(header.TrimEnd(']') + ",", StringComparison.Ordinal));
        Assert.AreNotEqual(-1, start, $"no {header} section in:\n{excerpt}");
        var end = Array.FindIndex(lines, start + 1, l => l is "[errors]" or "[stdout]" or "[stderr]" or "[stdout, last part]" or "[stderr, last part]");
        return string.Join("\n", lines[(start + 1)..(end < 0 ? lines.Length : end)]);
    }

    // ---------------------------------------------------------------- FirstError

    [TestMethod]
    public void FirstError_of_a_failed_build_is_the_canonical_CS0103_line_not_restore_progress_or_the_warning()
    {
        var (stdout, stderr) = Alice.Capture("build-cs0103");
        Assert.StartsWith("  Determining projects to restore...", stdout);
        Assert.Contains("warning CS0168", stdout);

        Assert.AreEqual(
            "src/Calc/Slug.cs(8,28): error CS0103: The name 'separator' does not exist in the current context [src/Calc/Calc.csproj]",
            Alice.Failure().FirstError(stdout, stderr));
    }

    [TestMethod]
    public void FirstError_of_a_failed_MSTest_run_is_the_failed_test_with_its_assertion_message()
    {
        var (stdout, stderr) = Alice.Capture("mstest-areequal");
        Assert.AreEqual(
            "Failed WordsAreJoinedWithHyphens [N ms] — Assertion failed. Expected strings to be equal.",
            Alice.Failure().FirstError(stdout, stderr));
    }

    [TestMethod]
    public void FirstError_of_a_failed_xUnit_run_is_the_failed_test_with_its_assertion_message()
    {
        var (stdout, stderr) = Alice.Capture("xunit-equal");
        Assert.AreEqual(
            "Failed Slugs.Tests.SlugTests.WordsAreJoinedWithHyphens [N ms] — Assert.Equal() Failure: Strings differ",
            Alice.Failure().FirstError(stdout, stderr));
    }

    [TestMethod]
    public void FirstError_skips_thousands_of_characters_of_NU1603_warnings()
    {
        var (stdout, stderr) = Alice.Capture("nu1603-noise-xunit");
        Assert.IsGreaterThanOrEqualTo(5000, stdout.IndexOf("  Failed Slugs.Tests.SlugTests", StringComparison.Ordinal));
        Assert.AreEqual(
            "Failed Slugs.Tests.SlugTests.WordsAreJoinedWithHyphens [N ms] — Assert.Equal() Failure: Strings differ",
            Alice.Failure().FirstError(stdout, stderr));
    }

    /// <summary>
    /// Regression: a theory's display name has spaces (its arguments), which the failed-test pattern did not allow, so
    /// the first error was the run summary "Failed!  - Failed:    30, …" and said neither which test nor why.
    /// </summary>
    [TestMethod]
    public void FirstError_of_a_failed_xUnit_theory_names_the_case_with_its_arguments()
    {
        var (stdout, stderr) = Alice.Capture("xunit-theory-30-failures");
        Assert.AreEqual(
            "Failed Slugs.Tests.SlugTests.TitlesBecomeHyphenatedSlugs(title: \"Chapter 7 Hello World\", expected: \"chapter-7-hello-world\") [N ms]"
            + " — Assert.Equal() Failure: Strings differ",
            Alice.Failure().FirstError(stdout, stderr));
    }

    [TestMethod]
    public void FirstError_reads_stderr_when_stdout_has_nothing()
    {
        var (_, stderr) = Alice.Capture("xunit-equal");
        Assert.AreEqual(
            "[xUnit.net 00:00:00.00]     Slugs.Tests.SlugTests.WordsAreJoinedWithHyphens [FAIL]",
            Alice.Failure().FirstError("", stderr));
    }

    [TestMethod]
    public void FirstError_prefers_a_compiler_error_in_stderr_over_a_failed_test_earlier_in_stdout()
    {
        var (testOut, _) = Alice.Capture("mstest-areequal");
        var (buildOut, _) = Alice.Capture("build-cs0103");
        Assert.AreEqual(
            "src/Calc/Slug.cs(8,28): error CS0103: The name 'separator' does not exist in the current context [src/Calc/Calc.csproj]",
            Alice.Failure().FirstError(testOut, buildOut));
    }

    [TestMethod]
    public void FirstError_is_null_for_real_output_with_no_recognisable_error()
    {
        var failure = Alice.Failure();
        var (noisy, _) = Alice.Capture("nu1603-noise-xunit");
        var restoreOnly = noisy[..noisy.IndexOf("  Slugs -> ", StringComparison.Ordinal)];
        Assert.Contains("warning NU1603", restoreOnly);
        Assert.IsNull(failure.FirstError(restoreOnly, ""));

        // A passing project's summary ("Passed!  - Failed:     0, …") is not a failure.
        var passingPart = noisy[noisy.IndexOf("  Slugs.Integration.Tests -> ", StringComparison.Ordinal)..];
        Assert.Contains("Passed!  - Failed:     0", passingPart);
        Assert.IsNull(failure.FirstError(passingPart, ""));

        // "Build FAILED." and "1 Error(s)" are not error lines; only the canonical "error CS0103:" is.
        var (build, _) = Alice.Capture("build-cs0103");
        var withoutErrorLines = string.Join("\n", build.Split('\n').Where(l => !l.Contains("error CS0103", StringComparison.Ordinal)));
        Assert.Contains("Build FAILED.", withoutErrorLines);
        Assert.IsNull(failure.FirstError(withoutErrorLines, ""));

        Assert.IsNull(failure.FirstError("grep: hello.txt: No such file or directory\n", ""));
    }

    // ---------------------------------------------------------------- Excerpt

    [TestMethod]
    public void Excerpt_of_a_failed_build_lists_the_error_once_without_the_project_suffix_then_the_output_without_progress_lines()
    {
        var (stdout, stderr) = Alice.Capture("build-cs0103");
        Assert.AreEqual(
            """
            [errors]
            src/Calc/Slug.cs(8,28): error CS0103: The name 'separator' does not exist in the current context
            [stdout]
            src/Calc/Slug.cs(8,28): error CS0103: The name 'separator' does not exist in the current context [src/Calc/Calc.csproj]
            src/Calc/Parser.cs(7,13): warning CS0168: The variable 'unused' is declared but never used [src/Calc/Calc.csproj]

            Build FAILED.

            src/Calc/Parser.cs(7,13): warning CS0168: The variable 'unused' is declared but never used [src/Calc/Calc.csproj]
            src/Calc/Slug.cs(8,28): error CS0103: The name 'separator' does not exist in the current context [src/Calc/Calc.csproj]
            """.ReplaceLineEndings("\n"),
            Alice.Failure().Excerpt(stdout, stderr, FailureBrief.MaxExcerptChars));
    }

    [TestMethod]
    public void Excerpt_of_a_failed_MSTest_run_keeps_both_values_and_the_test_file_line()
    {
        var (stdout, stderr) = Alice.Capture("mstest-areequal");
        var excerpt = Alice.Failure().Excerpt(stdout, stderr, FailureBrief.MaxExcerptChars);
        Assert.AreEqual(
            """
            Failed WordsAreJoinedWithHyphens [N ms]
            Assertion failed. Expected strings to be equal.
            expected:   "hello-world"
            actual:     "hello_world"
            at Slugs.Tests.SlugTests.WordsAreJoinedWithHyphens() in tests/Slugs.Tests/SlugTests.cs:line 18
            Failed!  - Failed:     1, Passed:     1, Skipped:     0, Total:     2, Duration: N ms - Slugs.Tests.dll (net10.0)
            """.ReplaceLineEndings("\n"),
            Section(excerpt, "[errors]"));
        // The whole output fits: it follows verbatim (normalised), under a plain header.
        // The whole output but the restore and "Project -> output" lines, whose order varies from run to run.
        string[] progress = ["  Determining projects to restore...", "  Restored src/Slugs/Slugs.csproj (in N ms).", "  Restored tests/Slugs.Tests/Slugs.Tests.csproj (in N ms).",
            "  Slugs -> src/Slugs/bin/Debug/net10.0/Slugs.dll", "  Slugs.Tests -> tests/Slugs.Tests/bin/Debug/net10.0/Slugs.Tests.dll"];
        var expected = string.Join('\n', Alice.Failure().Normalize(stdout).Split('\n').Where(l => !progress.Contains(l))).TrimEnd();
        Assert.AreEqual(expected, Section(excerpt, "[stdout]"));
        foreach (var line in progress) Assert.DoesNotContain(line, excerpt);
    }

    [TestMethod]
    public void Excerpt_of_a_failed_xUnit_run_keeps_the_assertion_both_values_and_the_test_file_line()
    {
        var (stdout, stderr) = Alice.Capture("xunit-equal");
        var excerpt = Alice.Failure().Excerpt(stdout, stderr, FailureBrief.MaxExcerptChars);
        Assert.AreEqual(XunitErrors, Section(excerpt, "[errors]"));
        Assert.AreEqual("[xUnit.net 00:00:00.00]     Slugs.Tests.SlugTests.WordsAreJoinedWithHyphens [FAIL]", Section(excerpt, "[stderr]"));
    }

    private static readonly string XunitErrors = """
        Failed Slugs.Tests.SlugTests.WordsAreJoinedWithHyphens [N ms]
        Assert.Equal() Failure: Strings differ
        Expected: "hello-world"
        Actual:   "hello_world"
        at Slugs.Tests.SlugTests.WordsAreJoinedWithHyphens() in tests/Slugs.Tests/SlugTests.cs:line 17
        Failed!  - Failed:     1, Passed:     1, Skipped:     0, Total:     2, Duration: N ms - Slugs.Tests.dll (net10.0)
        [xUnit.net 00:00:00.00]     Slugs.Tests.SlugTests.WordsAreJoinedWithHyphens [FAIL]
        """.ReplaceLineEndings("\n");

    /// <summary>
    /// Regression: xUnit's assertion headline ("Assert.Equal() Failure: Strings differ") was not an error line, so
    /// after 5,000+ characters of restore warnings it fell outside the tail and the brief lost why the test failed.
    /// </summary>
    [TestMethod]
    public void Excerpt_after_5000_characters_of_NU1603_noise_keeps_the_assertion_and_the_stack_line_within_2000_characters()
    {
        var (stdout, stderr) = Alice.Capture("nu1603-noise-xunit");
        Assert.IsGreaterThanOrEqualTo(5000, stdout.IndexOf("  Failed Slugs.Tests.SlugTests", StringComparison.Ordinal));

        var excerpt = Alice.Failure().Excerpt(stdout, stderr, 2000);

        Assert.IsLessThanOrEqualTo(2000, excerpt.Length);
        Assert.AreEqual(XunitErrors, Section(excerpt, "[errors]"));
        Assert.DoesNotContain("NU1603", Section(excerpt, "[errors]"), "restore warnings are not what failed");
        Assert.DoesNotContain("Determining projects to restore", excerpt);
        var tail = Section(excerpt, "[stdout]");
        Assert.StartsWith("…", tail);
        Assert.EndsWith("Passed!  - Failed:     0, Passed:     1, Skipped:     0, Total:     1, Duration: N ms - Slugs.Integration.Tests.dll (net10.0)", tail);
    }

    [TestMethod]
    public void Excerpt_of_many_failed_theory_cases_caps_the_error_section_and_starts_with_the_first_case()
    {
        var (stdout, stderr) = Alice.Capture("xunit-theory-30-failures");
        var errors = Section(Alice.Failure().Excerpt(stdout, stderr, 2000), "[errors]");

        Assert.IsLessThanOrEqualTo(1200, "[errors]\n".Length + errors.Length + 1);
        Assert.StartsWith(
            """
            Failed Slugs.Tests.SlugTests.TitlesBecomeHyphenatedSlugs(title: "Chapter 7 Hello World", expected: "chapter-7-hello-world") [N ms]
            Assert.Equal() Failure: Strings differ
            Expected: "chapter-7-hello-world"
            Actual:   "chapter_7_hello_world"
            at Slugs.Tests.SlugTests.TitlesBecomeHyphenatedSlugs(String title, String expected) in tests/Slugs.Tests/SlugTests.cs:line 40
            Failed Slugs.Tests.SlugTests.TitlesBecomeHyphenatedSlugs(title: "Chapter 23 Hello World", expected: "chapter-23-hello-world") [N ms]
            Expected: "chapter-23-hello-world"
            """.ReplaceLineEndings("\n"),
            errors);
        // Deduplicated: the headline and the stack line are the same for every case and appear once.
        Assert.HasCount(1, errors.Split('\n').Where(l => l == "Assert.Equal() Failure: Strings differ"));
    }

    /// <summary>
    /// Regression: the stream headers ("[stderr, last part]\n", 20 characters each) and newlines were not counted, so
    /// with long stderr and stdout the excerpt came out at 2,040 characters for a 2,000 budget, and
    /// <see cref="FailureBrief.Truncate"/> then cut the run summary off its end.
    /// </summary>
    [TestMethod]
    public void Excerpt_with_long_stderr_and_stdout_stays_within_the_budget_so_the_brief_keeps_the_run_summary()
    {
        var (stdout, stderr) = Alice.Capture("xunit-theory-30-failures");
        Assert.IsGreaterThan(2000, stdout.Length);
        Assert.IsGreaterThan(2000, stderr.Length);

        var excerpt = Alice.Failure().Excerpt(stdout, stderr, FailureBrief.MaxExcerptChars);

        Assert.IsLessThanOrEqualTo(FailureBrief.MaxExcerptChars, excerpt.Length);
        Assert.AreEqual(excerpt, FailureBrief.Truncate(excerpt));
        Assert.EndsWith("Failed!  - Failed:    30, Passed:     0, Skipped:     0, Total:    30, Duration: N ms - Slugs.Tests.dll (net10.0)", excerpt);
        Assert.EndsWith("[FAIL]", Section(excerpt, "[stderr]"));
    }

    [TestMethod]
    public void Excerpt_never_exceeds_the_larger_of_the_budget_and_the_error_section_plus_the_tail_floor()
    {
        var failure = Alice.Failure();
        var longLine = new string('x', 10_000);
        var inputs = Captures.Select(name => Alice.Capture(name))
            .Append((longLine, longLine))
            .Append(("", longLine))
            .Append((string.Join("\n", Enumerable.Range(0, 200).Select(i => $"src/F{i}.cs(1,1): error CS0103: The name 'n{i}' does not exist")), longLine))
            .ToList();
        foreach (var (stdout, stderr) in inputs)
        {
            foreach (var budget in new[] { 0, 100, 500, 1399, 1400, 1401, 1500, 2000, 3000, 10_000 })
            {
                var excerpt = failure.Excerpt(stdout, stderr, budget);
                Assert.IsLessThanOrEqualTo(Math.Max(budget, ExcerptFloor), excerpt.Length, $"budget {budget}:\n{excerpt}");
            }
        }
    }

    [TestMethod]
    public void Excerpt_keeps_at_most_40_error_lines()
    {
        var stdout = string.Join("\n", Enumerable.Range(0, 60).Select(i => $"error CS{1000 + i}: e{i}"));
        var errors = Section(Alice.Failure().Excerpt(stdout, "", 10_000), "[errors]").Split('\n');
        Assert.HasCount(40, errors);
        Assert.AreEqual("error CS1000: e0", errors[0]);
        Assert.AreEqual("error CS1039: e39", errors[^1]);
    }

    // ---------------------------------------------------------------- determinism

    [TestMethod]
    [DataRow("build-cs0103")]
    [DataRow("mstest-areequal")]
    [DataRow("xunit-equal")]
    public void The_same_failure_run_twice_in_two_worktrees_normalises_to_identical_text(string name)
    {
        var (aliceOut, aliceErr) = Alice.Capture(name, run: 1);
        var (agentOut, agentErr) = Agent.Capture(name, run: 2);
        // The two runs really differ in more than the folder: restore, test and build timings.
        Assert.AreNotEqual(aliceOut, agentOut.Replace(Agent.Worktree, Alice.Worktree, StringComparison.Ordinal));

        var alice = Alice.Failure();
        var agent = Agent.Failure();
        Assert.AreEqual(alice.Normalize(aliceOut), agent.Normalize(agentOut));
        Assert.AreEqual(alice.Normalize(aliceErr), agent.Normalize(agentErr));
        Assert.AreEqual(alice.FirstError(aliceOut, aliceErr), agent.FirstError(agentOut, agentErr));
        var excerpt = alice.Excerpt(aliceOut, aliceErr, FailureBrief.MaxExcerptChars);
        Assert.AreEqual(excerpt, agent.Excerpt(agentOut, agentErr, FailureBrief.MaxExcerptChars));
        AssertNoMachinePath(excerpt + alice.Normalize(aliceOut) + alice.Normalize(aliceErr) + agent.Normalize(agentOut) + agent.Normalize(agentErr));
    }

    [TestMethod]
    public void The_noisy_failure_run_twice_gives_identical_excerpts_although_restore_finished_in_another_order()
    {
        var (aliceOut, aliceErr) = Alice.Capture("nu1603-noise-xunit", run: 1);
        var (agentOut, agentErr) = Agent.Capture("nu1603-noise-xunit", run: 2);
        var alice = Alice.Failure();
        var agent = Agent.Failure();
        // Restore reports its projects as they finish: the normalised whole output differs, and that is all that differs.
        Assert.AreNotEqual(alice.Normalize(aliceOut), agent.Normalize(agentOut));
        CollectionAssert.AreEquivalent(alice.Normalize(aliceOut).Split('\n'), agent.Normalize(agentOut).Split('\n'));

        var excerpt = alice.Excerpt(aliceOut, aliceErr, 2000);
        Assert.AreEqual(excerpt, agent.Excerpt(agentOut, agentErr, 2000));
        Assert.AreEqual(alice.FirstError(aliceOut, aliceErr), agent.FirstError(agentOut, agentErr));
        AssertNoMachinePath(excerpt + alice.Normalize(aliceOut) + agent.Normalize(agentOut));
    }

    /// <summary>Regression: VSTest's TRX file name carries the machine name and the local time, so every run's brief differed.</summary>
    [TestMethod]
    public void The_TRX_results_file_name_is_masked()
    {
        var (stdout, stderr) = Alice.Capture("mstest-trx-logger");
        Assert.Contains("/TestResults/_vm_2026-12-01_17_19_00_net10.0.trx", stdout);
        var elsewhere = stdout.Replace("_vm_2026-12-01_17_19_00_", "alice_build-agent-7_2027-03-04_09_08_07_", StringComparison.Ordinal);
        var failure = Alice.Failure();

        var excerpt = failure.Excerpt(stdout, stderr, FailureBrief.MaxExcerptChars);
        Assert.Contains("\nResults File: tests/Slugs.Tests/TestResults/<trx>_net10.0.trx\n", excerpt);
        Assert.AreEqual(excerpt, failure.Excerpt(elsewhere, stderr, FailureBrief.MaxExcerptChars));
        Assert.AreEqual("Results File: <trx>.trx", failure.Normalize("Results File: root_vm_2026-12-01_17_19_00.trx"));
    }

    [TestMethod]
    [DataRow("[xUnit.net 00:00:00.62]     Ns.T.M [FAIL]", "[xUnit.net 00:00:00.00]     Ns.T.M [FAIL]")]
    [DataRow("  Restored {WT}/src/A/A.csproj (in 214 ms).", "  Restored src/A/A.csproj (in N ms).")]
    [DataRow("  Restored {WT}/tests/A.Tests/A.Tests.csproj (in 1.15 sec).", "  Restored tests/A.Tests/A.Tests.csproj (in N ms).")]
    [DataRow("Time Elapsed 00:00:03.21", "Time Elapsed 00:00:00.00")]
    [DataRow("  Failed Ns.T.M [12 ms]", "  Failed Ns.T.M [N ms]")]
    [DataRow("  Passed Ns.T.M [< 1 ms]", "  Passed Ns.T.M [N ms]")]
    [DataRow("  Failed Ns.T.M [2 s]", "  Failed Ns.T.M [N ms]")]
    [DataRow("Failed!  - Failed:     1, Passed:     1, Skipped:     0, Total:     2, Duration: 118 ms - A.Tests.dll (net10.0)",
        "Failed!  - Failed:     1, Passed:     1, Skipped:     0, Total:     2, Duration: N ms - A.Tests.dll (net10.0)")]
    [DataRow("  Failed Ns.T.M [2 m 3 s]", "  Failed Ns.T.M [N ms]")]
    [DataRow("Passed!  - Failed:     0, Passed:   895, Skipped:     1, Total:   896, Duration: 1 m 41 s - LlmCompiler.Tests.dll (net10.0)",
        "Passed!  - Failed:     0, Passed:   895, Skipped:     1, Total:   896, Duration: N ms - LlmCompiler.Tests.dll (net10.0)")]
    [DataRow("started 2026-12-01T17:19:00.1234567+01:00, ended 2026-12-01 17:19:03Z", "started <timestamp>, ended <timestamp>")]
    [DataRow("{WT}/tests/A.Tests/TestResults/6f1d2c3b-aaaa-4bbb-8ccc-0123456789ab/coverage.cobertura.xml",
        "tests/A.Tests/TestResults/<guid>/coverage.cobertura.xml")]
    public void Normalize_masks_timings_timestamps_guids_and_the_worktree(string line, string expected)
    {
        Assert.AreEqual(expected, Alice.Failure().Normalize(line.Replace("{WT}", Alice.Worktree, StringComparison.Ordinal)));
        Assert.AreEqual(expected, Agent.Failure().Normalize(line.Replace("{WT}", Agent.Worktree, StringComparison.Ordinal)));
    }

    private static void AssertNoMachinePath(string text)
    {
        foreach (var machine in new[] { Alice, Agent })
        {
            Assert.DoesNotContain(machine.Worktree, text);
            Assert.DoesNotContain(machine.Home, text);
            Assert.DoesNotContain(machine.RepositoryId, text);
        }
        Assert.DoesNotContain(Placeholder, text);
    }

    // ---------------------------------------------------------------- paths

    [TestMethod]
    public void Nested_machine_folders_each_become_their_own_token_whatever_the_order_given()
    {
        var m = Alice;
        var text = string.Join("\n",
            $"{m.Worktree}/src/A.cs(1,2): error CS0103: x",
            $"{m.ScratchTmp}/MSBuildTemp/tmp1.tmp",
            $"{m.ScratchHome}/.dotnet/tools",
            $"{m.Packages}/xunit.core/2.9.3/build/xunit.core.props",
            $"{m.Checkout}/.llmc/runs/factory",
            $"{m.Home}/.nuget/packages/mstest/4.0.2",
            $"cd {m.Worktree} && dotnet test");
        const string expected = """
            src/A.cs(1,2): error CS0103: x
            $TMPDIR/MSBuildTemp/tmp1.tmp
            $HOME/.dotnet/tools
            $NUGET_PACKAGES/xunit.core/2.9.3/build/xunit.core.props
            $CHECKOUT/.llmc/runs/factory
            ~/.nuget/packages/mstest/4.0.2
            cd . && dotnet test
            """;
        Assert.AreEqual(expected.ReplaceLineEndings("\n"), m.Failure().Normalize(text));

        // Shortest first: the constructor orders them, so the home ("~") never eats the longer folders inside it.
        var reversed = new CommandFailure([(m.Home, "~"), (m.Checkout, "$CHECKOUT"), (m.Packages, "$NUGET_PACKAGES"), (m.ScratchHome, "$HOME"), (m.ScratchTmp, "$TMPDIR"), (m.Worktree, "")]);
        Assert.AreEqual(expected.ReplaceLineEndings("\n"), reversed.Normalize(text));
    }

    [TestMethod]
    public void The_worktree_and_its_resolved_physical_path_both_become_relative()
    {
        // macOS: /var is a link to /private/var, and a command may print either spelling.
        const string link = "/var/folders/x7/T/llmc/worktrees/3f9c2a71d0e4b5a6/attempt";
        var failure = new CommandFailure([(link, ""), ("/private" + link, "")]);
        Assert.AreEqual("src/A.cs(1,1): error CS0103: a\nsrc/B.cs(2,2): error CS0103: b",
            failure.Normalize($"{link}/src/A.cs(1,1): error CS0103: a\n/private{link}/src/B.cs(2,2): error CS0103: b"));
    }

    /// <summary>Regression: a folder that is a prefix of another path's name (/w/attempt of /w/attempt2) replaced its start.</summary>
    [TestMethod]
    public void A_folder_does_not_replace_the_start_of_a_longer_name()
    {
        var failure = new CommandFailure([("/w/attempt", ""), ("/home/alice", "~")]);
        Assert.AreEqual(
            "src/A.cs /w/attempt2/src/B.cs /w/attempt-old/C.cs /w/attempt_1 /home/alice2/notes.txt /home/alice-backup ~/x ~. . ..",
            failure.Normalize("/w/attempt/src/A.cs /w/attempt2/src/B.cs /w/attempt-old/C.cs /w/attempt_1 /home/alice2/notes.txt /home/alice-backup /home/alice/x /home/alice. /w/attempt /w/attempt."));
    }

    [TestMethod]
    public void Tokens_with_dollar_signs_are_inserted_literally()
    {
        var failure = new CommandFailure([("/s/tmp", "$TMPDIR"), ("/s/home", "$1")]);
        Assert.AreEqual("$TMPDIR $1 $TMPDIR/x", failure.Normalize("/s/tmp /s/home /s/tmp/x"));
    }

    [TestMethod]
    public void A_root_or_empty_folder_is_ignored()
    {
        var failure = new CommandFailure([("/", "ROOT"), ("", "EMPTY")]);
        Assert.AreEqual("/usr/lib/dotnet/sdk", failure.Normalize("/usr/lib/dotnet/sdk"));
    }

    // ---------------------------------------------------------------- edge cases

    [TestMethod]
    public void Empty_and_blank_output()
    {
        var failure = Alice.Failure();
        Assert.IsNull(failure.FirstError("", ""));
        Assert.AreEqual("", failure.Excerpt("", "", FailureBrief.MaxExcerptChars));
        Assert.AreEqual("", failure.Normalize(""));
        Assert.IsNull(failure.FirstError("\n\n", "  \r\n"));
        Assert.AreEqual("", failure.Excerpt("\n\n", "  \r\n", FailureBrief.MaxExcerptChars));
        Assert.AreEqual("[stderr]\nboom", failure.Excerpt("", "boom\n", FailureBrief.MaxExcerptChars));
    }

    [TestMethod]
    [DataRow("build-cs0103")]
    [DataRow("mstest-areequal")]
    [DataRow("xunit-equal")]
    [DataRow("nu1603-noise-xunit")]
    public void CRLF_output_gives_the_same_first_error_and_excerpt_as_LF(string name)
    {
        var (stdout, stderr) = Alice.Capture(name);
        static string Crlf(string text) => text.ReplaceLineEndings("\r\n");
        Assert.Contains("\r\n", Crlf(stdout));
        var failure = Alice.Failure();

        Assert.AreEqual(failure.FirstError(stdout, stderr), failure.FirstError(Crlf(stdout), Crlf(stderr)));
        var lf = failure.Excerpt(stdout, stderr, FailureBrief.MaxExcerptChars);
        var crlf = failure.Excerpt(Crlf(stdout), Crlf(stderr), FailureBrief.MaxExcerptChars);
        Assert.AreEqual(lf, crlf, "the same failure is the same brief (and cassette key) whatever the line endings");
        Assert.DoesNotContain("\r", crlf);
    }

    [TestMethod]
    public void Projects_restored_or_built_in_another_order_give_the_same_excerpt()
    {
        var failure = Alice.Failure();
        const string test = "  Failed Lib.Tests.SlugTests.Joins [3 ms]\n  Error Message:\n   Assert.AreEqual failed. Expected:<a-b>. Actual:<a_b>.\n";
        var one = "  Determining projects to restore...\n  Restored /w/src/Lib/Lib.csproj (in 90 ms).\n  Restored /w/tests/Lib.Tests/Lib.Tests.csproj (in 214 ms).\n  Lib -> /w/src/Lib/bin/Lib.dll\n  Lib.Tests -> /w/tests/Lib.Tests/bin/Lib.Tests.dll\n" + test;
        var other = "  Determining projects to restore...\n  Restored /w/tests/Lib.Tests/Lib.Tests.csproj (in 80 ms).\n  Restored /w/src/Lib/Lib.csproj (in 300 ms).\n  Lib.Tests -> /w/tests/Lib.Tests/bin/Lib.Tests.dll\n  Lib -> /w/src/Lib/bin/Lib.dll\n" + test;

        Assert.AreEqual(failure.Excerpt(one, "", 2000), failure.Excerpt(other, "", 2000));
        StringAssert.Contains(failure.Excerpt(one, "", 2000), "Expected:<a-b>. Actual:<a_b>.");
    }

    [TestMethod]
    public void A_short_stream_leaves_its_share_of_the_tail_to_the_long_one()
    {
        var failure = Alice.Failure();
        var stdout = string.Join('\n', Enumerable.Range(1, 400).Select(i => $"  line {i:000} of a long build log"));

        var excerpt = failure.Excerpt(stdout, "one short stderr line", 2000);

        StringAssert.Contains(excerpt, "[stderr]\none short stderr line\n[stdout, last part]");
        Assert.IsGreaterThan(1900, excerpt.Length, "the tail uses the budget stderr did not need");
        Assert.IsLessThanOrEqualTo(2000, excerpt.Length);
        StringAssert.EndsWith(excerpt, "line 400 of a long build log");
    }

    [TestMethod]
    public void A_line_longer_than_the_cap_is_shortened_with_an_ellipsis()
    {
        var (stdout, stderr) = Alice.Capture("build-cs0103");
        var name = string.Concat(Enumerable.Repeat("veryLongIdentifier", 40));
        var longOut = stdout.Replace("'separator'", $"'{name}'", StringComparison.Ordinal);
        var failure = Alice.Failure();

        const string prefix = "src/Calc/Slug.cs(8,28): error CS0103: The name '";

        var first = failure.FirstError(longOut, stderr);
        Assert.AreEqual(prefix + name[..(400 - prefix.Length)] + "…", first);
        Assert.AreEqual(401, first!.Length);

        var errorLine = Section(failure.Excerpt(longOut, stderr, FailureBrief.MaxExcerptChars), "[errors]");
        Assert.AreEqual(prefix + name[..(300 - prefix.Length)] + "…", errorLine);
    }

    [TestMethod]
    public void One_line_longer_than_the_budget_keeps_its_end()
    {
        var line = "start " + new string('=', 5000) + " the end";
        var excerpt = Alice.Failure().Excerpt(line, "", 2000);
        Assert.IsLessThanOrEqualTo(2000, excerpt.Length);
        Assert.StartsWith("[stdout, last part]\n…", excerpt);
        Assert.EndsWith("= the end", excerpt);
    }
}
