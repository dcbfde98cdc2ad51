using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.IO;
using LlmCompiler.Tests.Factory;
using static LlmCompiler.Tests.Containment.ContainmentHarness;

namespace LlmCompiler.Tests.Containment;

/// <summary>
/// The tool's own state (exclude file, <c>.llmc</c>, journals, markers, the index lock) in every shape a repository
/// author, a crash or a full disk can leave it: a diagnostic and an exit code, never a stack trace, a hang, a write
/// outside the repository or a recovery that stays stuck.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ToolStateRobustnessTests
{
    private const string Empty = FileWrite.EmptySha256;

    public TestContext TestContext { get; set; } = null!;

    private static string HelloOrder(TestRepo repo, string id = "WO-01", string file = "hello.txt") =>
        FactoryEndToEndTests.Plan(repo, id, WorkOrderFiles.Compact(id, file, $"grep -q hello {file}"));

    private static void AnswerHello(LoopbackLlmServer server) =>
        server.Responder = request =>
        {
            var prompt = request.MessageContents.Count == 0 ? "" : request.MessageContents[^1];
            var file = prompt.Contains("second.txt", StringComparison.Ordinal) ? "second.txt" : "hello.txt";
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal((file, Empty, "hello\n")));
        };

    // Findings: a directory or FIFO at .git/info/exclude, a committed or untracked .llmc symlink, a committed
    // .llmc/ledger.jsonl symlink and tracked files under .llmc/ crashed with a stack trace, blocked, or wrote
    // outside the repository (the ledger followed the link) before preflight refused them.
    [TestMethod]
    [DataRow("exclude-is-a-directory", "info/exclude")]
    [DataRow("exclude-is-a-fifo", "info/exclude")]
    [DataRow("committed-llmc-symlink-to-outside", ".llmc")]
    [DataRow("committed-ledger-symlink-to-outside", "ledger.jsonl")]
    [DataRow("untracked-llmc-symlink-to-outside", ".llmc")]
    [DataRow("tracked-file-under-llmc", ".llmc/")]
    public async Task A_tool_state_fault_is_an_E200_naming_the_path_and_nothing_is_written_outside(string fault, string named)
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        AnswerHello(server);
        var key = NewKey(out _);
        var wo = HelloOrder(repo);
        string? fifo = null;
        var exclude = repo.PathOf(".git/info/exclude");
        switch (fault)
        {
            case "exclude-is-a-directory":
                File.Delete(exclude);
                Directory.CreateDirectory(exclude);
                break;
            case "exclude-is-a-fifo":
                File.Delete(exclude);
                MakeFifo(exclude);
                fifo = exclude;
                break;
            case "committed-llmc-symlink-to-outside":
                File.CreateSymbolicLink(repo.PathOf(".llmc"), repo.Outside);
                repo.Commit("commit a .llmc link");
                break;
            case "committed-ledger-symlink-to-outside":
                Directory.CreateDirectory(repo.PathOf(".llmc"));
                File.CreateSymbolicLink(repo.PathOf(".llmc/ledger.jsonl"), Path.Combine(repo.Outside, "ledger.jsonl"));
                repo.Commit("commit a ledger link");
                break;
            case "untracked-llmc-symlink-to-outside":
                File.CreateSymbolicLink(repo.PathOf(".llmc"), repo.Outside);
                break;
            case "tracked-file-under-llmc":
                repo.Write(".llmc/notes.txt", "tracked\n").Commit("track a file under .llmc");
                break;
            default:
                Assert.Fail(fault);
                break;
        }
        var head = repo.Head;
        var outsideBefore = TestRepo.TreeHash(repo.Outside);
        var checkoutBefore = repo.CheckoutHash();

        var (exit, stdout, stderr) = await LlmcAsync(["run", .. Common(repo, server, key, wo, "--max-attempts", "1")], fifo);

        Assert.AreEqual(outsideBefore, TestRepo.TreeHash(repo.Outside), $"{fault}: something was written into the folder outside the repository:\n{stderr}");
        Assert.AreEqual(1, exit, $"{fault}:\n{stdout}{stderr}");
        AssertNoStackTrace(stdout + stderr, fault);
        var e200 = LineWith(stderr, "E200");
        Assert.IsNotNull(e200, $"{fault}: no E200:\n{stderr}");
        StringAssert.Contains(e200, named, $"{fault}: the E200 must name the path");
        Assert.AreEqual(0, server.RequestCount, $"{fault}: the model was called before preflight refused");
        Assert.AreEqual(head, repo.Head);
        Assert.AreEqual(checkoutBefore, repo.CheckoutHash(), $"{fault}: the checkout changed");
        Assert.IsFalse(File.Exists(repo.PathOf("hello.txt")));
    }

    // Finding (same root cause as above, other front-end): `llmc plan` prepares the ledger's exclude line the same way.
    [TestMethod]
    [DataRow("exclude-is-a-directory")]
    [DataRow("exclude-is-a-fifo")]
    public async Task Plan_with_a_broken_exclude_file_is_a_diagnostic_not_a_stack_trace(string fault)
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion("{}");
        var key = NewKey(out _);
        var exclude = repo.PathOf(".git/info/exclude");
        File.Delete(exclude);
        string? fifo = null;
        if (fault == "exclude-is-a-fifo") MakeFifo(fifo = exclude);
        else Directory.CreateDirectory(exclude);
        var spec = Path.Combine(repo.Base, "spec.md");
        File.WriteAllText(spec, "# A product\n\nPrint hello.\n");
        var outdir = Path.Combine(repo.Base, "out");
        var outsideBefore = TestRepo.TreeHash(repo.Outside);

        var (exit, stdout, stderr) = await LlmcAsync(
            ["plan", "--spec", spec, "--outdir", outdir, "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback", "--max-attempts", "1"], fifo);

        Assert.AreEqual(1, exit, stdout + stderr);
        AssertNoStackTrace(stdout + stderr, fault);
        StringAssert.Contains(stderr, "info/exclude");
        Assert.AreEqual(0, server.RequestCount);
        Assert.IsFalse(Directory.Exists(outdir) && Directory.EnumerateFileSystemEntries(outdir).Any());
        Assert.AreEqual(outsideBefore, TestRepo.TreeHash(repo.Outside));
    }

    // Finding (same class as the .llmc link rows above, other front-end): `llmc plan` keeps its ledger and run folders
    // under .llmc too; a .llmc link must not send them out of the repository.
    [TestMethod]
    public async Task Plan_never_writes_through_a_llmc_symlink_to_a_folder_outside_the_repository()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion("this is not a plan");
        var key = NewKey(out _);
        File.CreateSymbolicLink(repo.PathOf(".llmc"), repo.Outside);
        var spec = Path.Combine(repo.Base, "spec.md");
        File.WriteAllText(spec, "# A product\n\nPrint hello.\n");
        var outdir = Path.Combine(repo.Base, "out");
        var outsideBefore = TestRepo.TreeHash(repo.Outside);

        var (exit, stdout, stderr) = await LlmcAsync(
            ["plan", "--spec", spec, "--outdir", outdir, "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback", "--max-attempts", "1"]);

        var written = string.Join(", ", TestRepo.Walk(repo.Outside).Select(e => Path.GetRelativePath(repo.Outside, e)));
        Assert.AreEqual(outsideBefore, TestRepo.TreeHash(repo.Outside), $"plan wrote into the folder outside the repository (now: {written}); exit {exit}\n{stderr}");
        Assert.AreNotEqual(0, exit, "an unparseable answer is not a success");
        AssertNoStackTrace(stdout + stderr, "plan through a .llmc link");
    }

    // Finding: a full disk under .llmc at start ended in an unhandled exception instead of a diagnostic.
    [TestMethod]
    public async Task A_full_disk_under_the_tool_folder_at_start_is_a_diagnostic_and_the_checkout_is_unchanged()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        AnswerHello(server);
        var keyName = "LLMC_CONTAIN_DISK_KEY_" + Guid.NewGuid().ToString("N")[..8];
        var keyValue = "sk-CANARY-" + Guid.NewGuid().ToString("N");
        var wo = HelloOrder(repo);
        var tool = repo.PathOf(".llmc");
        Directory.CreateDirectory(tool);
        var head = repo.Head;
        var before = repo.CheckoutHash();
        var outsideBefore = TestRepo.TreeHash(repo.Outside);

        // A 64 KiB tmpfs over .llmc, filled up before llmc starts.
        string[] prefix =
        [
            "bwrap", "--bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--size", "65536", "--tmpfs", tool, "--",
            "sh", "-c", "head -c 1048576 /dev/zero > \"$0/filler\" 2>/dev/null; exec \"$@\"", tool,
        ];
        var (exit, stdout, stderr) = await LlmcChildAsync(repo.Base, prefix,
            ["run", .. Common(repo, server, keyName, wo, "--max-attempts", "1", "--sandbox", "off")],
            new Dictionary<string, string?> { [keyName] = keyValue });

        TestContext.WriteLine($"exit {exit}\n{stdout}{stderr}");
        Assert.IsTrue(exit is 1 or 2, $"exit {exit}:\n{stdout}{stderr}");
        AssertNoStackTrace(stdout + stderr, "disk full");
        Assert.IsTrue(new[] { "E200", "E208", "E215", "E500" }.Any(c => stderr.Contains(c, StringComparison.Ordinal)), $"no diagnostic:\n{stderr}");
        Assert.AreEqual(head, repo.Head);
        Assert.AreEqual(before, repo.CheckoutHash(), "the checkout changed");
        Assert.AreEqual(outsideBefore, TestRepo.TreeHash(repo.Outside));
        Assert.IsFalse(File.Exists(repo.PathOf("hello.txt")));

        // And the next run, with room again, is not stuck on whatever the failed start left behind.
        Environment.SetEnvironmentVariable(keyName, keyValue);
        try
        {
            var (again, stdout2, stderr2) = await LlmcAsync(["run", .. Common(repo, server, keyName, wo, "--max-attempts", "1")]);
            Assert.AreEqual(0, again, stdout2 + stderr2);
            Assert.AreEqual("hello\n", File.ReadAllText(repo.PathOf("hello.txt")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(keyName, null);
        }
    }

    // Findings: recovery stayed stuck (or threw) on a dead run whose journal is a directory or a FIFO, whose
    // journal names a hand-edited commit id, or whose marker points outside .llmc/runs/factory (and then renamed
    // whatever folder the marker named).
    [TestMethod]
    [DataRow("journal-is-a-directory")]
    [DataRow("journal-is-a-fifo")]
    [DataRow("committed-with-a-short-commit-id")]
    [DataRow("marker-points-outside-the-repository")]
    [DataRow("marker-points-at-a-tracked-folder")]
    public async Task Recovery_of_an_unreadable_dead_run_never_stays_stuck(string fault)
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        AnswerHello(server);
        var key = NewKey(out _);
        var runId = "20250101T000000Z-" + Guid.NewGuid().ToString("N")[..8];
        var runDir = Path.Combine(FactoryRuns(repo), runId);
        var markerTarget = runDir;
        var movedAside = true;
        switch (fault)
        {
            case "journal-is-a-directory":
                Directory.CreateDirectory(Path.Combine(runDir, "journal.jsonl"));
                break;
            case "journal-is-a-fifo":
                MakeFifo(Path.Combine(runDir, "journal.jsonl"));
                break;
            case "committed-with-a-short-commit-id":
                Directory.CreateDirectory(runDir);
                using (var journal = Journal.Open(Path.Combine(runDir, "journal.jsonl")))
                {
                    journal.Append("run_started", new JsonObject { ["baseline"] = repo.Head });
                    journal.Append("committed", new JsonObject { ["commit"] = "abc", ["branch"] = "llmc/" + runId });
                }
                break;
            case "marker-points-outside-the-repository":
                markerTarget = repo.Outside;
                movedAside = false;
                break;
            case "marker-points-at-a-tracked-folder":
                markerTarget = repo.PathOf("tools");
                movedAside = false;
                break;
            default:
                Assert.Fail(fault);
                break;
        }
        Directory.CreateDirectory(ActiveDir(repo));
        var marker = Path.Combine(ActiveDir(repo), runId);
        File.WriteAllText(marker, markerTarget);
        File.AppendAllText(repo.PathOf(".git/info/exclude"), "\n.llmc/\n");
        var outsideBefore = TestRepo.TreeHash(repo.Outside);
        var wo = HelloOrder(repo);

        var (exit, stdout, stderr) = await LlmcAsync(["run", .. Common(repo, server, key, wo, "--max-attempts", "1")],
            fault == "journal-is-a-fifo" ? Path.Combine(runDir, "journal.jsonl") : null);

        Assert.AreEqual(outsideBefore, TestRepo.TreeHash(repo.Outside), $"{fault}: recovery changed the folder outside the repository:\n{stderr}");
        if (!movedAside)
        {
            Assert.IsTrue(Directory.Exists(markerTarget), $"{fault}: the folder the marker named was moved: {markerTarget}\n{stderr}");
            Assert.IsFalse(Directory.Exists(markerTarget + ".unreadable"), $"{fault}: the folder the marker named was renamed to {markerTarget}.unreadable");
        }
        Assert.AreEqual(0, exit, $"{fault}:\n{stdout}{stderr}");
        StringAssert.Contains(stdout, "Verdict: PASS");
        AssertNoStackTrace(stdout + stderr, fault);
        StringAssert.Contains(stderr, runId, $"{fault}: the recovery should report the dead run it closed");
        Assert.IsFalse(File.Exists(marker), $"{fault}: the dead run's marker is still there");
        Assert.AreEqual("hello\n", File.ReadAllText(repo.PathOf("hello.txt")));
        if (movedAside)
        {
            Assert.IsFalse(Directory.Exists(runDir), $"{fault}: the unreadable run folder was left in place");
            Assert.IsTrue(Directory.Exists(runDir + ".unreadable"), $"{fault}: the run folder was not moved aside to '{runId}.unreadable'");
        }
        else
        {
            Assert.IsTrue(Directory.Exists(markerTarget), $"{fault}: the folder the marker named was moved: {markerTarget}");
            Assert.IsFalse(Directory.Exists(markerTarget + ".unreadable"), $"{fault}: the folder the marker named was renamed");
            Assert.IsTrue(File.Exists(repo.PathOf("tools/spawn.sh")), $"{fault}: a tracked file of the checkout disappeared");
        }
        // The first run landed one commit; the rest of the checkout is as before.
        Assert.AreEqual("", repo.Git("status", "--porcelain", "--untracked-files=all"));

        var second = HelloOrder(repo, "WO-02", "second.txt");
        var (exit2, stdout2, stderr2) = await LlmcAsync(["run", .. Common(repo, server, key, second, "--max-attempts", "1")]);
        Assert.AreEqual(0, exit2, $"{fault} (second run):\n{stdout2}{stderr2}");
        Assert.DoesNotContain(runId, stdout2 + stderr2, $"{fault}: the second run mentions the dead run again");
        Assert.AreEqual("hello\n", File.ReadAllText(repo.PathOf("second.txt")));
    }

    // Finding: a dead run that had journaled its passing commit, but died before creating its keep-branch, lost the
    // commit (or it was not landed although its parent was still HEAD).
    [TestMethod]
    public async Task A_dead_runs_journaled_commit_on_top_of_head_without_a_branch_is_landed_by_the_next_run()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        AnswerHello(server);
        var key = NewKey(out _);
        var runId = "20250101T000000Z-" + Guid.NewGuid().ToString("N")[..8];
        var baseline = repo.Head;
        var commit = DeadRunWithJournaledCommit(repo, runId, baseline);
        var wo = HelloOrder(repo);

        var (exit, stdout, stderr) = await LlmcAsync(["run", .. Common(repo, server, key, wo, "--max-attempts", "1")]);

        Assert.AreEqual(0, exit, stdout + stderr);
        AssertNoStackTrace(stdout + stderr, "recovery landing");
        Assert.AreEqual(commit, repo.Git("rev-parse", "HEAD~1").Trim(), "the dead run's commit was not landed under the new work order's commit");
        Assert.AreEqual(baseline, repo.Git("rev-parse", "HEAD~2").Trim());
        Assert.AreEqual("kept\n", File.ReadAllText(repo.PathOf("kept.txt")));
        Assert.AreEqual("hello\n", File.ReadAllText(repo.PathOf("hello.txt")));
        Assert.AreEqual("", repo.Git("branch", "--list", "llmc/*").Trim(), "no keep-branch is needed for a landed commit");
        Assert.IsFalse(File.Exists(Path.Combine(ActiveDir(repo), runId)));
        Assert.AreEqual("", repo.Git("status", "--porcelain", "--untracked-files=all"));
    }

    [TestMethod]
    public async Task A_dead_runs_journaled_commit_whose_parent_is_not_head_is_kept_on_a_new_branch()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        AnswerHello(server);
        var key = NewKey(out _);
        var runId = "20250101T000000Z-" + Guid.NewGuid().ToString("N")[..8];
        var commit = DeadRunWithJournaledCommit(repo, runId, repo.Head);
        repo.Write("other.txt", "the user moved on\n").Commit("the user moved the branch");
        var moved = repo.Head;
        var wo = HelloOrder(repo);

        var (exit, stdout, stderr) = await LlmcAsync(["run", .. Common(repo, server, key, wo, "--max-attempts", "1")]);

        Assert.AreEqual(0, exit, stdout + stderr);
        AssertNoStackTrace(stdout + stderr, "recovery keeping");
        Assert.AreEqual(commit, repo.Git("rev-parse", "--verify", "llmc/" + runId).Trim(), "the passing commit must stay reachable on llmc/<run-id>");
        Assert.AreEqual(moved, repo.Git("rev-parse", "HEAD~1").Trim(), "only the new work order lands on the moved branch");
        Assert.IsFalse(File.Exists(repo.PathOf("kept.txt")), "a commit whose parent is not HEAD must not land");
        Assert.AreEqual("hello\n", File.ReadAllText(repo.PathOf("hello.txt")));
        Assert.IsFalse(File.Exists(Path.Combine(ActiveDir(repo), runId)));
    }

    // Finding: a stale .git/index.lock was only found at landing (after a paid model call), or was deleted.
    [TestMethod]
    public async Task A_stale_index_lock_is_reported_in_preflight_before_any_model_call_and_is_not_deleted()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        AnswerHello(server);
        var key = NewKey(out _);
        var wo = HelloOrder(repo);
        var lockFile = repo.PathOf(".git/index.lock");
        File.WriteAllText(lockFile, "stale lock of a crashed git\n");
        var head = repo.Head;
        var before = repo.CheckoutHash();

        var (exit, stdout, stderr) = await LlmcAsync(["run", .. Common(repo, server, key, wo, "--max-attempts", "1")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        AssertNoStackTrace(stdout + stderr, "index.lock");
        var e200 = LineWith(stderr, "E200");
        Assert.IsNotNull(e200, stderr);
        StringAssert.Contains(e200, "index.lock");
        Assert.AreEqual(0, server.RequestCount, "the lock must be found before the model is paid for");
        Assert.IsTrue(File.Exists(lockFile), "llmc must never delete index.lock");
        Assert.AreEqual("stale lock of a crashed git\n", File.ReadAllText(lockFile));
        Assert.AreEqual(head, repo.Head);
        Assert.AreEqual(before, repo.CheckoutHash());
    }

    /// <summary>
    /// What a run killed right after journaling <c>committed</c> leaves: a commit (kept.txt on <paramref name="parent"/>)
    /// with the factory's trailers, the journal, the marker, and no keep-branch.
    /// </summary>
    private static string DeadRunWithJournaledCommit(TestRepo repo, string runId, string parent)
    {
        var blobFile = Path.Combine(repo.Base, "kept-blob.txt");
        File.WriteAllText(blobFile, "kept\n");
        var blob = repo.Git("hash-object", "-w", "--no-filters", blobFile).Trim();
        var index = Path.Combine(repo.Base, "dead-run-index");
        var env = new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index };
        repo.Git(env, "read-tree", parent);
        repo.Git(env, "update-index", "--add", "--cacheinfo", $"100644,{blob},kept.txt");
        var tree = repo.Git(env, "write-tree").Trim();
        var sha = new string('a', 64);
        var commit = repo.Git("commit-tree", tree, "-p", parent, "-m",
            $"WO-09: Create kept.txt\n\nWork-Order: WO-09\nLlmc-Run: {runId}\nWork-Order-Sha256: {sha}\n").Trim();

        var runDir = Path.Combine(FactoryRuns(repo), runId);
        Directory.CreateDirectory(runDir);
        using (var journal = Journal.Open(Path.Combine(runDir, "journal.jsonl")))
        {
            journal.Append("run_started", new JsonObject { ["run_id"] = runId, ["work_order_id"] = "WO-09", ["baseline"] = parent });
            journal.Append("committing", new JsonObject { ["attempt"] = 1 });
            journal.Append("committed", new JsonObject { ["attempt"] = 1, ["commit"] = commit, ["branch"] = "llmc/" + runId });
        }
        Directory.CreateDirectory(ActiveDir(repo));
        File.WriteAllText(Path.Combine(ActiveDir(repo), runId), runDir);
        File.AppendAllText(repo.PathOf(".git/info/exclude"), "\n.llmc/\n");
        Assert.AreEqual("", repo.Git("branch", "--list", "llmc/*").Trim());
        return commit;
    }
}
