using LlmCompiler.Git;

namespace LlmCompiler.Tests.Git;

[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class GitCliTests
{
    private readonly GitCli _git = new();

    [TestMethod]
    public async Task Status_reports_tracked_changes_and_untracked_files_but_not_ignored_ones()
    {
        using var repo = new TestRepo();
        repo.Write(".gitignore", "bin/\n.env\n").Write("a.txt", "a\n").Commit();
        Assert.IsEmpty(await _git.StatusAsync(repo.Root));
        repo.Write(".env", "KEY=1\n").Write("bin/x.dll", "x");
        Assert.IsEmpty(await _git.StatusAsync(repo.Root), "ignored files make the tree dirty");
        repo.Write("a.txt", "changed\n").Write("new file.txt", "n");
        var status = await _git.StatusAsync(repo.Root);
        CollectionAssert.AreEquivalent(new[] { "a.txt", "new file.txt" }, status.Select(s => s.Path).ToArray());
        Assert.IsTrue(status.Single(s => s.Path == "new file.txt").IsUntracked);
    }

    [TestMethod]
    public void Porcelain_z_renames_yield_the_destination_only()
    {
        var entries = GitCli.ParsePorcelainZ("R  new.txt\0old.txt\0?? dir/\0 M a -> b.txt\0");
        CollectionAssert.AreEqual(new[] { "new.txt", "dir/", "a -> b.txt" }, entries.Select(e => e.Path).ToArray());
    }

    [TestMethod]
    public async Task Repository_facts_no_commits_detached_head_and_branch()
    {
        using var repo = new TestRepo();
        Assert.IsTrue(await _git.IsWorkTreeAsync(repo.Root));
        Assert.IsNull(await _git.HeadCommitAsync(repo.Root));
        var first = repo.Write("a.txt", "a").Commit();
        Assert.AreEqual(first, await _git.HeadCommitAsync(repo.Root));
        Assert.AreEqual("main", await _git.CurrentBranchAsync(repo.Root));
        repo.Git("checkout", "-q", "--detach");
        Assert.IsNull(await _git.CurrentBranchAsync(repo.Root));
        Assert.IsFalse(await _git.IsWorkTreeAsync(repo.Base));
    }

    [TestMethod]
    public async Task A_commit_built_from_stored_blobs_holds_exactly_them_whatever_the_worktree_index_holds()
    {
        using var repo = new TestRepo();
        var baseline = repo.Write("a.txt", "a\n").Write("b.txt", "b\n").Commit();
        var worktree = Path.Combine(repo.Base, "wt");
        await _git.WorktreeAddAsync(repo.Root, worktree, baseline);
        File.WriteAllText(Path.Combine(worktree, "a.txt"), "changed\n");
        var ids = await _git.StoreBlobsAsync(worktree, ["a.txt"]);
        Assert.AreEqual(GitObjectId.Blob("changed\n"u8), ids[0]);
        // What a command could leave behind: stray files, a staged deletion, a changed file staged by hand.
        File.WriteAllText(Path.Combine(worktree, "stray.txt"), "left by a test run\n");
        TestRepo.Run(worktree, "git", "add", "-f", "stray.txt");
        TestRepo.Run(worktree, "git", "rm", "-q", "--cached", "b.txt");
        var commit = await _git.CommitTreeAsync(repo.Root, Path.Combine(repo.Base, "scratch"), baseline,
            [new TreeEntry("100644", ids[0], "a.txt")], "WO-01: t\n\nWork-Order: WO-01\nWork-Order-Sha256: abc123\n");
        CollectionAssert.AreEqual(new[] { "a.txt" }, (await _git.ChangedPathsAsync(repo.Root, baseline, commit)).ToArray());
        Assert.AreEqual(baseline, (await _git.RunAsync(repo.Root, ["rev-parse", commit + "^"])).Trim());
        Assert.AreEqual(baseline, repo.Head, "building the commit moves no ref");
        var (ok, _) = await _git.FastForwardAsync(repo.Root, commit);
        Assert.IsTrue(ok);
        Assert.AreEqual(commit, repo.Head);
        Assert.AreEqual("changed\n", File.ReadAllText(repo.PathOf("a.txt")));
        CollectionAssert.Contains((await _git.TrailerValuesAsync(repo.Root, "Work-Order-Sha256")).ToArray(), "abc123");
        await _git.WorktreeRemoveAsync(repo.Root, worktree);
        Assert.IsFalse(Directory.Exists(worktree));
    }

    [TestMethod]
    public async Task A_failing_git_command_throws_with_gits_message()
    {
        using var repo = new TestRepo();
        var ex = await Assert.ThrowsExactlyAsync<GitException>(() => _git.RunAsync(repo.Root, ["rev-parse", "--verify", "no-such-ref"]));
        StringAssert.Contains(ex.Message, "rev-parse");
    }

    [TestMethod]
    public async Task Hooks_in_the_repository_never_run()
    {
        using var repo = new TestRepo();
        var marker = Path.Combine(repo.Base, "hook-ran");
        var hook = repo.PathOf(".git/hooks/post-commit"); // --no-verify does not skip post-commit; only hooksPath does
        File.WriteAllText(hook, $"#!/bin/sh\ntouch '{marker}'\n");
        File.SetUnixFileMode(hook, (UnixFileMode)0b111_101_101);
        repo.Write("a.txt", "a");
        await _git.RunAsync(repo.Root, ["add", "a.txt"]);
        await _git.RunAsync(repo.Root, ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "m"]);
        Assert.IsFalse(File.Exists(marker));
    }
}
