using LlmCompiler.Factory;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// What a new user meets on a real checkout: their own untracked notes do not block a run (only untracked files where
/// the work order writes do), a model repeating a failing answer is stopped early, and a run that cannot start is a
/// refusal that leaves no run folder behind.
/// </summary>
public sealed partial class FactoryEndToEndTests
{
    [TestMethod]
    public async Task An_untracked_file_of_the_user_elsewhere_does_not_block_the_run_and_stays_untouched()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n")));
        var key = NewKey(out _);
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        repo.Write("NOTES.local.md", "my notes, not for git\n");

        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo)]);

        Assert.AreEqual(0, exit, stdout + stderr);
        Assert.AreEqual("my notes, not for git\n", File.ReadAllText(repo.PathOf("NOTES.local.md")));
        Assert.AreEqual("?? NOTES.local.md", repo.Git("status", "--porcelain").Trim(), "still the user's, still untracked, not committed");
        Assert.IsFalse(repo.Git("show", "--name-only", "--format=", "HEAD").Contains("NOTES", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task An_untracked_file_where_the_work_order_writes_is_refused_before_any_call()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n")));
        var key = NewKey(out _);
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        repo.Write("hello.txt", "the user's own draft\n");
        var head = repo.Head;

        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo)]);

        Assert.AreEqual(FactoryExitCodes.Fail, exit, stdout + stderr);
        // The contract check sees the file first: file_absent(hello.txt) cannot hold.
        StringAssert.Contains(stderr, "error E101");
        StringAssert.Contains(stderr, "file_absent('hello.txt')");
        StringAssert.Contains(stdout, "Verdict: REFUSED");
        Assert.AreEqual(0, server.RequestCount);
        Assert.AreEqual("the user's own draft\n", File.ReadAllText(repo.PathOf("hello.txt")));
        Assert.AreEqual(head, repo.Head);
    }

    [TestMethod]
    public async Task The_same_failing_answer_twice_stops_the_work_order_and_saves_the_remaining_attempts()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "not the word\n")));
        var key = NewKey(out _);
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));

        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo, "--max-attempts", "5")]);

        Assert.AreEqual(FactoryExitCodes.Fail, exit, stdout + stderr);
        Assert.AreEqual(2, server.RequestCount, "attempts 3-5 would have sent the same request and failed the same way");
        StringAssert.Contains(stderr, "llmc: WO-01 stopped after attempt 2: the model gave the same answer as before and it failed the same way");
        StringAssert.Contains(stdout, "WO-01 FAIL after 2 attempt(s)");
    }

    [TestMethod]
    public async Task A_different_failing_answer_keeps_retrying_up_to_the_limit()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, $"attempt {request.Number}\n")));
        var key = NewKey(out _);
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));

        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo, "--max-attempts", "4")]);

        Assert.AreEqual(FactoryExitCodes.Fail, exit, stdout + stderr);
        Assert.AreEqual(4, server.RequestCount);
        Assert.IsFalse(stderr.Contains("stopped after attempt", StringComparison.Ordinal), stderr);
    }

    [TestMethod]
    public async Task A_run_without_an_api_key_is_refused_creates_no_run_folder_and_calls_nothing()
    {
        using var repo = NewRepo();
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var missing = "LLMC_NO_SUCH_KEY_" + Guid.NewGuid().ToString("N")[..8];

        // A public endpoint needs a key (a loopback or private one may not); .invalid never resolves, and is never asked.
        var (exit, stdout, stderr) = await Llmc(["run", wo, "--repo", repo.Root, "--endpoint", "https://llm.example.invalid/v1", "--api-key-env", missing, "--model", "loopback"]);

        Assert.AreEqual(FactoryExitCodes.Fail, exit, stdout + stderr);
        StringAssert.Contains(stderr, "error E300");
        StringAssert.Contains(stdout, "Verdict: REFUSED");
        StringAssert.Contains(stdout, "WO-01 not run: E300");
        Assert.IsFalse(stdout.Contains("FAIL after 0 attempt", StringComparison.Ordinal), stdout);
        Assert.IsFalse(Directory.Exists(repo.PathOf(".llmc/runs/factory")) && Directory.EnumerateFileSystemEntries(repo.PathOf(".llmc/runs/factory")).Any(),
            "a run that never started leaves no run folder");
    }

    [TestMethod]
    public async Task An_endpoint_failing_after_the_transport_retries_ends_the_work_order_without_more_attempts()
    {
        using var repo = NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Error(500, "down");
        var key = NewKey(out _);
        var wo = Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var head = repo.Head;

        var (exit, stdout, stderr) = await Llmc(["run", .. Common(repo, server, key, wo, "--max-attempts", "3")]);

        Assert.AreEqual(FactoryExitCodes.Fail, exit, stdout + stderr);
        StringAssert.Contains(stderr, "error E301");
        Assert.AreEqual(4, server.RequestCount, "one call with its transport retries, not three attempts of it");
        Assert.AreEqual(head, repo.Head);
    }
}
