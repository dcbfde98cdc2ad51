using LlmCompiler.Build.Tasks;
using LlmCompiler.Build.Tests.TestSupport;
using Microsoft.Build.Framework;

namespace LlmCompiler.Build.Tests;

[TestClass]
public sealed class RepoBaselineResolverTests
{
    private TempDirectory _repo = null!;

    [TestInitialize]
    public void Setup()
    {
        _repo = new TempDirectory();
        ChildProcess.GitOk(_repo.Path, "init", "-q", "-b", "main");
    }

    [TestCleanup]
    public void Cleanup() => _repo.Dispose();

    private void Commit(string message, params string[] files)
    {
        foreach (var f in files) _repo.Write(f, $"// {f}\n");
        ChildProcess.GitOk(_repo.Path, "add", "-A");
        ChildProcess.GitOk(_repo.Path, "commit", "-q", "--allow-empty", "-m", message);
    }

    private static (RepoBaseline Baseline, string? Error) Resolve(string start, params string[] ids) =>
        RepoBaselineResolver.Resolve(null, start, ids, CancellationToken.None);

    [TestMethod]
    public void Before_anything_landed_the_baseline_is_the_working_tree_without_ignored_files()
    {
        Commit("initial", "src/A.cs", ".gitignore");
        File.WriteAllText(_repo.Combine(".gitignore"), "obj/\n");
        _repo.Write("obj/generated.cs", "x");
        _repo.Write("src/Untracked.cs", "x");

        var (baseline, error) = Resolve(_repo.Combine("src"), "WO-01");

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { ".gitignore", "src/A.cs", "src/Untracked.cs" }, baseline.Files.ToArray());
        Assert.AreEqual(Path.GetFullPath(_repo.Path), baseline.RepoRoot);
    }

    [TestMethod]
    public void After_landing_the_baseline_is_the_tree_before_the_first_landed_work_order()
    {
        Commit("initial", "src/A.cs");
        Commit("WO-01: greeter\n\nWork-Order: WO-01\nLlmc-Run: r1", "src/Greeter.cs");
        Commit("unrelated", "README.md");
        Commit("WO-02: tests\n\nWork-Order: WO-02\nLlmc-Run: r2", "tests/GreeterTests.cs");

        var (baseline, error) = Resolve(_repo.Path, "WO-01", "WO-02");

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { "src/A.cs" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public void An_earlier_plan_with_the_same_ids_does_not_move_the_baseline()
    {
        Commit("initial", "a.txt");
        Commit("old plan\n\nWork-Order: WO-01", "old.txt");
        Commit("between", "b.txt");
        Commit("new plan\n\nWork-Order: WO-01", "new.txt");

        var (baseline, _) = Resolve(_repo.Path, "WO-01");

        CollectionAssert.AreEquivalent(new[] { "a.txt", "old.txt", "b.txt" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public void Work_order_hash_tells_a_replanned_WO_01_from_the_previous_plans()
    {
        Commit("initial", "a.txt");
        Commit("old plan\n\nWork-Order: WO-01\nWork-Order-Sha256: 1111", "old.txt");
        Commit("between", "b.txt");

        // The new plan's WO-01 has not landed: the working tree is the baseline, not the tree before the old WO-01.
        var (before, _) = RepoBaselineResolver.Resolve(null, _repo.Path, ["WO-01"], ["2222"], CancellationToken.None);
        CollectionAssert.AreEquivalent(new[] { "a.txt", "old.txt", "b.txt" }, before.Files.ToArray());

        Commit("new plan\n\nWork-Order: WO-01\nWork-Order-Sha256: 2222", "new.txt");
        Commit("new plan\n\nWork-Order: WO-02\nWork-Order-Sha256: 3333", "newer.txt");
        var (after, _) = RepoBaselineResolver.Resolve(null, _repo.Path, ["WO-01", "WO-02"], ["2222", "3333"], CancellationToken.None);
        CollectionAssert.AreEquivalent(new[] { "a.txt", "old.txt", "b.txt" }, after.Files.ToArray());
    }

    [TestMethod]
    public void Commits_for_ids_outside_the_plan_are_ignored()
    {
        Commit("initial", "a.txt");
        Commit("other\n\nWork-Order: WO-07", "other.txt");

        var (baseline, _) = Resolve(_repo.Path, "WO-01");

        CollectionAssert.AreEquivalent(new[] { "a.txt", "other.txt" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public void Outside_a_repository_the_listing_is_empty_without_error()
    {
        using var plain = new TempDirectory();

        var (baseline, error) = Resolve(plain.Path, "WO-01");

        Assert.IsNull(error);
        Assert.AreEqual(0, baseline.Files.Count);
        Assert.IsNull(baseline.RepoRoot);
    }

    [TestMethod]
    public void Empty_repository_lists_untracked_files()
    {
        _repo.Write("spec.md", "x");

        var (baseline, error) = Resolve(_repo.Path, "WO-01");

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { "spec.md" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public void Explicit_repo_root_outside_git_is_walked()
    {
        using var plain = new TempDirectory();
        File.WriteAllText(Path.Combine(plain.Path, "a.txt"), "x");

        var (baseline, error) = RepoBaselineResolver.Resolve(plain.Path, _repo.Path, ["WO-01"], CancellationToken.None);

        Assert.IsNull(error);
        CollectionAssert.AreEquivalent(new[] { "a.txt" }, baseline.Files.ToArray());
    }

    [TestMethod]
    public void Landed_work_order_does_not_fail_its_own_file_absent_precondition_on_the_next_build()
    {
        Commit("initial", "src/A.cs");
        var wo1 = _repo.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/Greeter.cs"));
        ChildProcess.GitOk(_repo.Path, "add", "-A");
        ChildProcess.GitOk(_repo.Path, "commit", "-q", "-m", "plan");

        // Created by hand (not landed): the precondition is really false now.
        _repo.Write("src/Greeter.cs", "// by hand\n");
        var (_, handEngine) = RunVerify(wo1);
        Assert.AreEqual("E101", handEngine.Errors.Single().Code);
        Assert.AreEqual(Path.GetFullPath(wo1), handEngine.Errors.Single().File);

        // Landed by the factory (trailer): the plan is judged from the tree it started from.
        Commit("WO-01: greeter\n\nWork-Order: WO-01\nLlmc-Run: r1", "src/Greeter.cs");
        var (ok, engine) = RunVerify(wo1);
        Assert.IsTrue(ok, string.Join("\n", engine.Errors.Select(e => $"{e.Code} {e.Message}")));
    }

    private (bool Ok, FakeBuildEngine Engine) RunVerify(string workOrder)
    {
        var engine = new FakeBuildEngine();
        var task = new VerifyContract
        {
            BuildEngine = engine,
            WorkOrders = WorkOrderFiles.Items(workOrder),
            ProjectDirectory = _repo.Path,
            CheckPythonSyntax = false,
        };
        return (task.Execute(), engine);
    }
}
