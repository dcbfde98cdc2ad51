using LlmCompiler.Factory.Isolation;
using LlmCompiler.Git;

namespace LlmCompiler.Tests.Containment;

/// <summary>
/// <c>packed-refs</c> without a sandbox: git rewrites or first creates it whenever the harness deletes the <c>llmc/</c>
/// branch of a parallel work order, which must not fail another slot's command (it did, as a false E218), while a
/// command that packs a branch or tag of its own is still caught and undone byte for byte.
/// </summary>
[TestClass]
public sealed class PackedRefsGuardTests
{
    [TestMethod]
    public async Task The_harness_deleting_an_llmc_branch_while_a_command_runs_is_not_a_change()
    {
        using var repo = NewRepo();
        repo.Git("branch", "llmc/WO-01-attempt", "HEAD");
        var guard = Guard(repo);

        repo.Git("branch", "-D", "llmc/WO-01-attempt");
        File.AppendAllText(PackedRefs(repo), $"{repo.Head} refs/heads/llmc/WO-02-attempt\n");

        Assert.IsEmpty(await guard.RestoreChangesAsync(new GitCli(), CancellationToken.None));
        StringAssert.Contains(File.ReadAllText(PackedRefs(repo)), "refs/heads/llmc/WO-02-attempt", "the harness's own entry stays");
    }

    [TestMethod]
    public async Task A_branch_packed_by_a_command_is_reported_and_removed()
    {
        using var repo = NewRepo();
        var guard = Guard(repo);

        File.AppendAllText(PackedRefs(repo), $"{repo.Head} refs/heads/llmc/WO-02-attempt\n{repo.Head} refs/heads/evil\n");

        var changes = await guard.RestoreChangesAsync(new GitCli(), CancellationToken.None);
        Assert.AreEqual(".git/packed-refs appeared (removed)", changes.Single());
        Assert.IsFalse(File.Exists(PackedRefs(repo)));
        Assert.AreEqual("", repo.Git("branch", "--list", "evil").Trim());
    }

    [TestMethod]
    public async Task A_tag_added_to_an_existing_packed_refs_is_undone_to_the_exact_bytes()
    {
        using var repo = NewRepo();
        repo.Git("tag", "v1");
        repo.Git("pack-refs", "--all");
        var before = File.ReadAllBytes(PackedRefs(repo));
        var guard = Guard(repo);

        File.AppendAllText(PackedRefs(repo), $"{repo.Head} refs/tags/evil\n");

        var changes = await guard.RestoreChangesAsync(new GitCli(), CancellationToken.None);
        Assert.AreEqual(".git/packed-refs modified (restored)", changes.Single());
        CollectionAssert.AreEqual(before, File.ReadAllBytes(PackedRefs(repo)));
        Assert.AreEqual("v1", repo.Git("tag", "--list").Trim());
    }

    private static TestRepo NewRepo()
    {
        var repo = new TestRepo();
        repo.Write("a.txt", "a\n").Commit("init");
        return repo;
    }

    private static string PackedRefs(TestRepo repo) => Path.Combine(repo.Root, ".git", "packed-refs");

    private static OutsideWorldGuard Guard(TestRepo repo)
    {
        var commonDir = Path.Combine(repo.Root, ".git");
        return OutsideWorldGuard.Take(new GuardScope(commonDir, Path.Combine(commonDir, "worktrees", "slot-1"), null, []));
    }
}
