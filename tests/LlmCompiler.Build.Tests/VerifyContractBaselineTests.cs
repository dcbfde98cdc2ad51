using LlmCompiler.Build.Tasks;
using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>The task validates against the engine's plan baseline (the resolver's own tests: LlmCompiler.Tests/Validation/PlanBaselineTests).</summary>
[TestClass]
public sealed class VerifyContractBaselineTests
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
        _repo.Git("commit", "-q", "--allow-empty", "-m", message);
    }

    [TestMethod]
    public void Landed_work_order_does_not_fail_its_own_file_absent_precondition_on_the_next_build()
    {
        Commit("initial", "src/A.cs");
        _repo.Write("workorders/WO-01.json", WorkOrderFiles.Creating("WO-01", "src/Greeter.cs")).Commit("plan");
        var wo1 = _repo.PathOf("workorders/WO-01.json");

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
            WorkOrders = TaskItems.Of(workOrder),
            ProjectDirectory = _repo.Root,
            CheckPythonSyntax = false,
        };
        return (task.Execute(), engine);
    }
}
