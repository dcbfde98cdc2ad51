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
}
