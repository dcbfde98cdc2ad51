using System.Diagnostics;
using System.Text.Json.Nodes;
using LlmCompiler.IO;

namespace LlmCompiler.Tests.IO;

[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class IoTests
{
    [TestMethod]
    public void Atomic_write_keeps_the_mode_of_an_existing_file_and_gives_new_files_0644()
    {
        using var repo = new TestRepo(init: false);
        var script = repo.PathOf("run.sh");
        File.WriteAllText(script, "old");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_000);
        AtomicFile.WriteAllText(script, "new");
        AtomicFile.WriteAllText(repo.PathOf("fresh.txt"), "fresh");
        Assert.AreEqual("new", File.ReadAllText(script));
        Assert.AreEqual((UnixFileMode)0b111_101_000, File.GetUnixFileMode(script));
        Assert.AreEqual((UnixFileMode)0b110_100_100, File.GetUnixFileMode(repo.PathOf("fresh.txt")));
        CollectionAssert.AreEquivalent(new[] { "run.sh", "fresh.txt" }, Directory.GetFiles(repo.Root).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void Journal_reader_skips_a_torn_last_line()
    {
        using var repo = new TestRepo(init: false);
        var path = repo.PathOf("journal.jsonl");
        using (var journal = Journal.Open(path))
        {
            journal.Append("run_started", new JsonObject { ["run_id"] = "r1" });
            journal.Append("committed", new JsonObject { ["commit"] = "abc" });
        }
        File.AppendAllText(path, "{\"event\":\"landi");
        var entries = Journal.Read(path);
        CollectionAssert.AreEqual(new[] { "run_started", "committed" }, entries.Select(e => e.Event).ToArray());
        Assert.AreEqual("abc", entries[1].GetString("commit"));
    }

    [TestMethod]
    public void A_second_lock_on_the_same_repository_fails_with_E202_naming_the_holder()
    {
        using var repo = new TestRepo(init: false);
        var lockPath = repo.PathOf("repo.lock");
        var (first, error) = RepositoryLock.TryAcquire(lockPath, "run-1");
        Assert.IsNull(error);
        using (first)
        {
            var (second, secondError) = RepositoryLock.TryAcquire(lockPath, "run-2");
            Assert.IsNull(second);
            Assert.AreEqual("E202", secondError!.Code);
            StringAssert.Contains(secondError.Message, $"pid {Environment.ProcessId}");
            StringAssert.Contains(secondError.Message, "run-1");
        }
        var (third, thirdError) = RepositoryLock.TryAcquire(lockPath, "run-3");
        Assert.IsNull(thirdError);
        third!.Dispose();
    }

    [TestMethod]
    public void A_lock_left_by_a_dead_process_is_taken_over()
    {
        using var repo = new TestRepo(init: false);
        var lockPath = repo.PathOf("repo.lock");
        using var dead = Process.Start(new ProcessStartInfo("true"))!;
        dead.WaitForExit();
        File.WriteAllText(lockPath + ".holder.json", $$"""{"pid":{{dead.Id}},"process_start":"2020-01-01T00:00:00+00:00","acquired":"2020-01-01T00:00:00+00:00","run_id":"dead-run"}""");
        var (acquired, error) = RepositoryLock.TryAcquire(lockPath, "next");
        Assert.IsNull(error);
        using (acquired)
        {
            Assert.AreEqual("dead-run", acquired!.TakenOverFrom?.RunId);
        }
    }

    [TestMethod]
    public void A_node_joins_only_the_live_run_that_holds_the_lock()
    {
        using var repo = new TestRepo(init: false);
        var lockPath = repo.PathOf("repo.lock");
        var (held, _) = RepositoryLock.TryAcquire(lockPath, "run-1");
        using (held)
        {
            Assert.IsNull(RepositoryLock.VerifyHeldBy(lockPath, "run-1"));
            var other = RepositoryLock.VerifyHeldBy(lockPath, "run-2");
            Assert.AreEqual("E202", other?.Code);
            StringAssert.Contains(other!.Message, "run-1");
        }
        Assert.AreEqual("E202", RepositoryLock.VerifyHeldBy(lockPath, "run-1")?.Code, "a run that ended has no nodes");

        using var dead = Process.Start(new ProcessStartInfo("true"))!;
        dead.WaitForExit();
        File.WriteAllText(lockPath + ".holder.json", $$"""{"pid":{{dead.Id}},"process_start":"2020-01-01T00:00:00+00:00","acquired":"2020-01-01T00:00:00+00:00","run_id":"run-1"}""");
        Assert.AreEqual("E202", RepositoryLock.VerifyHeldBy(lockPath, "run-1")?.Code, "a holder record left by a dead coordinator admits no node");
    }

    [TestMethod]
    public async Task Slot_leases_skip_a_slot_another_process_holds_and_wait_while_all_are_taken()
    {
        using var repo = new TestRepo(init: false);
        var locks = repo.PathOf("slots");
        Directory.CreateDirectory(locks);
        // Another process (flock(1), the same kernel lock .NET takes) holds slot-1 until its stdin closes.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["-x", Path.Combine(locks, "slot-1.lock"), "cat"]) { RedirectStandardInput = true })!;
        for (var i = 0; i < 100 && !File.Exists(Path.Combine(locks, "slot-1.lock")); i++) await Task.Delay(20);
        await Task.Delay(200);

        var waits = 0;
        using var first = await SlotLease.AcquireAsync(locks, 2, () => waits++, CancellationToken.None);
        Assert.AreEqual("slot-2", first.Slot, "slot-1 is held by the other process");
        var second = SlotLease.AcquireAsync(locks, 2, () => waits++, CancellationToken.None);
        await Task.Delay(500);
        Assert.IsFalse(second.IsCompleted, "both slots are taken: the bound holds across processes");
        Assert.AreEqual(1, waits, "the wait is announced once");

        holder.StandardInput.Close();
        holder.WaitForExit();
        using var freed = await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.AreEqual("slot-1", freed.Slot, "the other process's slot is free once it exits");
    }
}
