using LlmCompiler.Validation;

namespace LlmCompiler.Tests.Validation;

/// <summary>The files a plan is validated against: the working tree, or the tree before its first landed work order.</summary>
[TestClass]
public sealed class PlanBaselineTests
{
    private TestRepo _repo = null!;

    [TestInitialize]
    public void Setup() => _repo = new TestRepo();

    [TestCleanup]
    public void Cleanup() => _repo.Dispose();

    private void Commit(string message, params string[] files)
    {
        foreach (var f in files) _repo.Write(f, $"// {f}\n");
        _repo.Git("add", "-A");
        _repo.Git("commit", "-q", "--no-verify", "--allow-empty", "-m", message);
    }

    private static Task<(PlanBaseline Baseline, string? Error)> ResolveAsync(string start, params string[] ids) =>
        PlanBaseline.ResolveAsync(null, start, ids, [], CancellationToken.None);

    [TestMethod]
    public async Task Before_anything_landed_the_baseline_is_the_working_tree_without_ignored_files()
    {
        Commit("initial", "src/A.cs", ".gitignore");
        File.WriteAllText(_repo.PathOf(".gitignore"), "obj/\n");
        _repo.Write("obj/generated.cs", "x");
        _repo.Write("src/Untracked.cs", "x");

        var (baseline, error) = await ResolveAsync(_repo.PathOf("src"), "WO-01");

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { ".gitignore", "src/A.cs", "src/Untracked.cs" }, baseline.Files.ToArray());
        Assert.AreEqual(Path.GetFullPath(_repo.Root), baseline.RepoRoot);
    }

    [TestMethod]
    public async Task From_a_subfolder_the_listing_is_the_whole_work_tree_as_paths_from_its_top_level()
    {
        Commit("initial", "src/A.cs", "docs/guide.md", ".gitignore");
        File.WriteAllText(_repo.PathOf(".gitignore"), "bin/\n");
        _repo.Write("docs/new.md", "x");
        _repo.Write("tools/bin/tool.dll", "x");
        File.Delete(_repo.PathOf("docs/guide.md"));

        var (baseline, error) = await ResolveAsync(_repo.PathOf("src"), "WO-01");

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { ".gitignore", "src/A.cs", "docs/new.md" }, baseline.Files.ToArray(),
            "untracked files outside the folder count, ignored and deleted ones do not");
    }

    [TestMethod]
    public async Task The_whole_work_tree_listing_holds_when_the_caller_sets_GIT_LITERAL_PATHSPECS()
    {
        Commit("initial", "src/A.cs", "docs/guide.md");
        var git = new LlmCompiler.Git.GitCli(LlmCompiler.Processes.ChildEnvironment.Default().With("GIT_LITERAL_PATHSPECS", "1"));

        var listed = await RepoListing.ListAsync(git, _repo.PathOf("src"), wholeRepository: true, CancellationToken.None);

        CollectionAssert.AreEquivalent(new[] { "src/A.cs", "docs/guide.md" }, RepoListing.FromGit(listed, _repo.Root)!.ToArray());
    }

    [TestMethod]
    public async Task From_a_subfolder_the_history_sees_every_changed_path_whatever_diff_relative_says()
    {
        Commit("initial", "a.txt");
        var landed = CommitAndHead("WO-01: Add greeter\n\nWork-Order: WO-01\nWork-Order-Sha256: 1111\nLlmc-Run: r1", "lib/Greeter.cs");
        _repo.Git("config", "diff.relative", "true");
        _repo.Write("src/Program.cs", "x");

        var (baseline, error) = await PlanBaseline.ResolveAsync(null, _repo.PathOf("src"), HandWritten("WO-01", "2222", "lib/Greeter.cs"), CancellationToken.None);

        Assert.IsNull(error);
        Assert.AreEqual(landed, baseline.EditedAfterLanding["WO-01"], "lib/Greeter.cs, outside src/, was seen changed");
        CollectionAssert.AreEquivalent(new[] { "a.txt" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public async Task An_explicit_root_inside_a_work_tree_lists_its_own_files_relative_to_it_and_ignores_the_history()
    {
        Commit("initial", "product/src/A.cs", "other/B.cs");
        Commit("WO-01: everything\n\nWork-Order: WO-01", "product/src/Landed.cs");
        _repo.Write("product/new.md", "x");

        var (baseline, error) = await PlanBaseline.ResolveAsync(_repo.PathOf("product"), _repo.Root, ["WO-01"], [], CancellationToken.None);

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { "src/A.cs", "src/Landed.cs", "new.md" }, baseline.Files.ToArray());
        Assert.AreEqual(Path.GetFullPath(_repo.PathOf("product")), baseline.RepoRoot);
        StringAssert.StartsWith(baseline.Description, "folder ");
    }

    [TestMethod]
    public async Task An_explicit_root_that_is_the_top_level_uses_the_history()
    {
        Commit("initial", "a.txt");
        Commit("WO-01: greeter\n\nWork-Order: WO-01", "src/Greeter.cs");

        var (baseline, error) = await PlanBaseline.ResolveAsync(_repo.Root, _repo.PathOf("src"), ["WO-01"], [], CancellationToken.None);

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { "a.txt" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public async Task After_landing_the_baseline_is_the_tree_before_the_first_landed_work_order()
    {
        Commit("initial", "src/A.cs");
        Commit("WO-01: greeter\n\nWork-Order: WO-01\nLlmc-Run: r1", "src/Greeter.cs");
        Commit("unrelated", "README.md");
        Commit("WO-02: tests\n\nWork-Order: WO-02\nLlmc-Run: r2", "tests/GreeterTests.cs");

        var (baseline, error) = await ResolveAsync(_repo.Root, "WO-01", "WO-02");

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { "src/A.cs" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public async Task An_earlier_plan_with_the_same_ids_does_not_move_the_baseline()
    {
        Commit("initial", "a.txt");
        Commit("old plan\n\nWork-Order: WO-01", "old.txt");
        Commit("between", "b.txt");
        Commit("new plan\n\nWork-Order: WO-01", "new.txt");

        var (baseline, _) = await ResolveAsync(_repo.Root, "WO-01");

        CollectionAssert.AreEquivalent(new[] { "a.txt", "old.txt", "b.txt" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public async Task Work_order_hash_tells_a_replanned_WO_01_from_the_previous_plans()
    {
        Commit("initial", "a.txt");
        Commit("old plan\n\nWork-Order: WO-01\nWork-Order-Sha256: 1111", "old.txt");
        Commit("between", "b.txt");

        // The new plan's WO-01 has not landed: the working tree is the baseline, not the tree before the old WO-01.
        var (before, _) = await PlanBaseline.ResolveAsync(null, _repo.Root, ["WO-01"], ["2222"], CancellationToken.None);
        CollectionAssert.AreEquivalent(new[] { "a.txt", "old.txt", "b.txt" }, before.Files.ToArray());

        Commit("new plan\n\nWork-Order: WO-01\nWork-Order-Sha256: 2222", "new.txt");
        Commit("new plan\n\nWork-Order: WO-02\nWork-Order-Sha256: 3333", "newer.txt");
        var (after, _) = await PlanBaseline.ResolveAsync(null, _repo.Root, ["WO-01", "WO-02"], ["2222", "3333"], CancellationToken.None);
        CollectionAssert.AreEquivalent(new[] { "a.txt", "old.txt", "b.txt" }, after.Files.ToArray());
    }

    private static PlanIdentity HandWritten(string id, string hash, params string[] allowed) =>
        new(new HashSet<string> { id }, new HashSet<string> { hash }, new Dictionary<string, string>())
        {
            AllowedFiles = new Dictionary<string, IReadOnlySet<string>> { [id] = allowed.ToHashSet() },
        };

    [TestMethod]
    public async Task A_hand_written_work_order_reworded_after_landing_counts_as_its_earlier_version()
    {
        Commit("initial", "a.txt");
        var landed = CommitAndHead("WO-01: Add greeter\n\nWork-Order: WO-01\nWork-Order-Sha256: 1111\nLlmc-Run: r1", "src/Greeter.cs");

        // The reworded work order has a new hash but still writes src/Greeter.cs.
        var (baseline, error) = await PlanBaseline.ResolveAsync(null, _repo.Root, HandWritten("WO-01", "2222", "src/Greeter.cs"), CancellationToken.None);

        Assert.IsNull(error);
        Assert.AreEqual(landed, baseline.EditedAfterLanding["WO-01"]);
        CollectionAssert.AreEquivalent(new[] { "a.txt" }, baseline.Files.ToArray(), "judged as if the landed version had run");
    }

    [TestMethod]
    public async Task A_new_hand_written_plan_reusing_an_id_for_other_files_is_new_work()
    {
        Commit("initial", "a.txt");
        Commit("WO-01: Add greeter\n\nWork-Order: WO-01\nWork-Order-Sha256: 1111\nLlmc-Run: r1", "src/Greeter.cs");

        var (baseline, _) = await PlanBaseline.ResolveAsync(null, _repo.Root, HandWritten("WO-01", "2222", "src/Parser.cs"), CancellationToken.None);

        Assert.IsEmpty(baseline.EditedAfterLanding);
        CollectionAssert.AreEquivalent(new[] { "a.txt", "src/Greeter.cs" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public async Task A_planned_work_order_is_an_edit_only_of_a_commit_from_its_own_planner_run()
    {
        Commit("initial", "a.txt");
        var landed = CommitAndHead("WO-01: Add greeter\n\nWork-Order: WO-01\nWork-Order-Sha256: 1111\nLlmc-Run: r1\nLlmc-Plan: plan-A", "src/Greeter.cs");
        PlanIdentity Planned(string run) => new(new HashSet<string> { "WO-01" }, new HashSet<string> { "2222" }, new Dictionary<string, string> { ["WO-01"] = run })
        {
            AllowedFiles = new Dictionary<string, IReadOnlySet<string>> { ["WO-01"] = new HashSet<string> { "src/Greeter.cs" } },
        };

        var (same, _) = await PlanBaseline.ResolveAsync(null, _repo.Root, Planned("plan-A"), CancellationToken.None);
        var (other, _) = await PlanBaseline.ResolveAsync(null, _repo.Root, Planned("plan-B"), CancellationToken.None);

        Assert.AreEqual(landed, same.EditedAfterLanding["WO-01"]);
        Assert.IsEmpty(other.EditedAfterLanding, "a re-plan is new work even where it writes the same files");
    }

    private string CommitAndHead(string message, params string[] files)
    {
        Commit(message, files);
        return _repo.Head;
    }

    [TestMethod]
    public async Task Commits_for_ids_outside_the_plan_are_ignored()
    {
        Commit("initial", "a.txt");
        Commit("other\n\nWork-Order: WO-07", "other.txt");

        var (baseline, _) = await ResolveAsync(_repo.Root, "WO-01");

        CollectionAssert.AreEquivalent(new[] { "a.txt", "other.txt" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public async Task Landed_first_commit_of_the_repository_gives_an_empty_baseline()
    {
        Commit("WO-01: everything\n\nWork-Order: WO-01", "src/A.cs");

        var (baseline, error) = await ResolveAsync(_repo.Root, "WO-01");

        Assert.IsNull(error);
        Assert.AreEqual(0, baseline.Files.Count);
        StringAssert.StartsWith(baseline.Description, "empty tree");
    }

    [TestMethod]
    public async Task Outside_a_repository_the_listing_is_empty_without_error()
    {
        using var plain = new TestRepo(init: false);

        var (baseline, error) = await ResolveAsync(plain.Root, "WO-01");

        Assert.IsNull(error);
        Assert.AreEqual(0, baseline.Files.Count);
        Assert.IsNull(baseline.RepoRoot);
    }

    [TestMethod]
    public async Task Empty_repository_lists_untracked_files()
    {
        _repo.Write("spec.md", "x");

        var (baseline, error) = await ResolveAsync(_repo.Root, "WO-01");

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { "spec.md" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public async Task Explicit_repo_root_outside_git_is_walked()
    {
        using var plain = new TestRepo(init: false);
        plain.Write("a.txt", "x");

        var (baseline, error) = await PlanBaseline.ResolveAsync(plain.Root, _repo.Root, ["WO-01"], [], CancellationToken.None);

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { "a.txt" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public async Task Missing_explicit_repo_root_is_an_error()
    {
        var missing = _repo.PathOf("no-such-dir");

        var (baseline, error) = await PlanBaseline.ResolveAsync(missing, _repo.Root, ["WO-01"], [], CancellationToken.None);

        Assert.IsNotNull(error);
        StringAssert.Contains(error, "does not exist");
        Assert.IsNull(baseline.RepoRoot);
    }

    [TestMethod]
    public async Task Locator_finds_the_top_level_from_a_subdirectory_and_explains_a_plain_folder()
    {
        _repo.Write("src/deep/a.txt", "x");
        using var plain = new TestRepo(init: false);

        var (root, error) = await RepositoryLocator.FindAsync(null, _repo.PathOf("src/deep"));
        var (none, why) = await RepositoryLocator.FindAsync(plain.Root, _repo.Root);

        Assert.IsNull(error);
        Assert.AreEqual(Path.GetFullPath(_repo.Root), root);
        Assert.IsNull(none);
        StringAssert.Contains(why, "not inside a git repository");
    }
}
