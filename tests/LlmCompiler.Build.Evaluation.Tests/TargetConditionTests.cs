namespace LlmCompiler.Build.Evaluation.Tests;

/// <summary>When the package's targets run: every target condition, against evaluated properties and items.</summary>
[TestClass]
public sealed class TargetConditionTests
{
    private static readonly string[] PackageTargets = ["VerifyContract", "PlanWorkOrders", "Factory"];

    [TestMethod]
    public void Verification_runs_before_compiling_a_project_with_work_orders()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate();
        Assert.IsTrue(PackageProject.TargetRuns(evaluated, "VerifyContract"));
        Assert.IsTrue(PackageProject.TargetRuns(evaluated, "_LlmcVerifyContractOnBuild"));
        Assert.IsFalse(PackageProject.TargetRuns(evaluated, "_LlmcVerifyContractOnOuterBuild"));
        Assert.AreEqual("CoreCompile", evaluated.CreateProjectInstance().Targets["_LlmcVerifyContractOnBuild"].BeforeTargets);
    }

    [TestMethod]
    public void Verification_does_nothing_without_work_orders()
    {
        using var project = new PackageProject();
        var evaluated = project.Evaluate();
        Assert.IsFalse(PackageProject.TargetRuns(evaluated, "VerifyContract"));
        // Factory still runs, to say there is nothing to run, but never reaches the host project.
        Assert.IsFalse(PackageProject.TaskRuns(evaluated, "Factory", "MSBuild"));
    }

    [TestMethod]
    public void No_target_runs_in_a_design_time_build()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate(new Dictionary<string, string> { ["DesignTimeBuild"] = "true" });
        foreach (var target in PackageTargets.Append("_LlmcVerifyContractOnBuild").Append("_LlmcVerifyContractOnOuterBuild"))
        {
            Assert.IsFalse(PackageProject.TargetRuns(evaluated, target), target);
        }
    }

    [TestMethod]
    public void No_target_runs_inside_a_factory_attempt()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate(new Dictionary<string, string> { ["LLMC_IN_ATTEMPT"] = "1" });
        foreach (var target in PackageTargets) Assert.IsFalse(PackageProject.TargetRuns(evaluated, target), target);
    }

    [TestMethod]
    public void Builds_do_not_verify_when_switched_off()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate(new Dictionary<string, string> { ["LlmcVerifyOnBuild"] = "false" });
        Assert.IsFalse(PackageProject.TargetRuns(evaluated, "_LlmcVerifyContractOnBuild"));
        Assert.IsTrue(PackageProject.TargetRuns(evaluated, "VerifyContract"), "dotnet build -t:VerifyContract still works");
    }

    [TestMethod]
    public void A_build_that_only_asks_for_outputs_does_not_verify()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate(new Dictionary<string, string> { ["BuildingProject"] = "false" });
        Assert.IsFalse(PackageProject.TargetRuns(evaluated, "_LlmcVerifyContractOnBuild"));
    }

    [TestMethod]
    public void A_multi_targeted_project_verifies_in_its_outer_build_only()
    {
        using var project = WithPlan();
        var outer = project.Evaluate(new Dictionary<string, string> { ["IsCrossTargetingBuild"] = "true" }, "<PropertyGroup><TargetFrameworks>net8.0;net10.0</TargetFrameworks></PropertyGroup>");
        Assert.IsTrue(PackageProject.TargetRuns(outer, "_LlmcVerifyContractOnOuterBuild"));
        Assert.AreEqual("DispatchToInnerBuilds", outer.CreateProjectInstance().Targets["_LlmcVerifyContractOnOuterBuild"].BeforeTargets);
        Assert.IsFalse(PackageProject.TargetRuns(outer, "_LlmcVerifyContractOnBuild"));

        var inner = project.Evaluate(new Dictionary<string, string> { ["TargetFramework"] = "net8.0" }, "<PropertyGroup><TargetFrameworks>net8.0;net10.0</TargetFrameworks></PropertyGroup>");
        Assert.IsFalse(PackageProject.TargetRuns(inner, "_LlmcVerifyContractOnBuild"));
        Assert.IsFalse(PackageProject.TargetRuns(inner, "_LlmcVerifyContractOnOuterBuild"));
    }

    [TestMethod]
    public void Planning_and_the_factory_run_only_when_asked_for()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate();
        var instance = evaluated.CreateProjectInstance();
        foreach (var target in new[] { "PlanWorkOrders", "Factory" })
        {
            Assert.IsTrue(PackageProject.TargetRuns(evaluated, target), target);
            Assert.AreEqual("", instance.Targets[target].BeforeTargets + instance.Targets[target].AfterTargets, $"{target} must not hook into Build");
        }
        Assert.IsFalse(instance.DefaultTargets.Intersect(PackageTargets).Any());
    }

    private static PackageProject WithPlan()
    {
        var project = new PackageProject();
        project.Write("src/App/workorders/WO-01.json");
        return project;
    }
}
