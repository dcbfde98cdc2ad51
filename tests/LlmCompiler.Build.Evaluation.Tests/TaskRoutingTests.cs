namespace LlmCompiler.Build.Evaluation.Tests;

/// <summary>
/// Which route the package's tasks take on which MSBuild. Visual Studio's MSBuild ('Full', on .NET Framework) is
/// simulated: MSBuildRuntimeType and MSBuildVersion are reserved (a global property of either name is MSB4177), so the
/// routing reads them through _LlmcMSBuildRuntimeType and _LlmcMSBuildVersion, which default to them and which these
/// tests set. The route itself (Exec-like verifier, task host) is then chosen by the same conditions Visual Studio evaluates.
/// </summary>
[TestClass]
public sealed class TaskRoutingTests
{
    private static readonly string[] NetTasks = ["CompileWorkOrders", "ExecuteWorkOrder", "StartFactoryRun", "LandWorkOrders"];

    [TestMethod]
    public void Core_msbuild_loads_every_task_in_process()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate();

        Assert.AreEqual("Core", evaluated.GetPropertyValue("_LlmcMSBuildRuntimeType"), "these tests run on the .NET SDK's MSBuild");
        Assert.AreEqual("InProcess", evaluated.GetPropertyValue("_LlmcTaskRoute"));
        var registered = PackageProject.RegisteredTasks(evaluated);
        foreach (var task in NetTasks.Append("VerifyContract"))
        {
            Assert.Contains((task, "", ""), registered, task);
        }
        Assert.IsFalse(registered.Any(r => r.Factory == "TaskHostFactory"));
        var host = project.EvaluateHost(evaluated);
        Assert.IsTrue(PackageProject.TaskRuns(host, "VerifyContract", "VerifyContract"));
        Assert.IsFalse(PackageProject.TaskRuns(host, "VerifyContract", "RunContractVerifier"));
    }

    [TestMethod]
    public void Selects_the_out_of_process_verifier_on_full_msbuild()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate(Full("17.14.8"));

        Assert.AreEqual("true", evaluated.GetPropertyValue("LlmcVerifyOutOfProcess"));
        var host = project.EvaluateHost(evaluated);
        Assert.AreEqual("Full", host.GetPropertyValue("_LlmcMSBuildRuntimeType"), "the host project must route as its caller does");
        Assert.IsFalse(PackageProject.TaskRuns(host, "VerifyContract", "VerifyContract"), "the net8.0 task cannot load on .NET Framework");
        Assert.IsTrue(PackageProject.TaskRuns(host, "VerifyContract", "RunContractVerifier"));
        Assert.IsFalse(PackageProject.RegisteredTasks(host).Any(r => r.Task == "VerifyContract"), "no net8.0 UsingTask for VerifyContract on Full");
        // Same incrementality as the in-process route: the inputs, the stamp.
        var target = host.CreateProjectInstance().Targets["VerifyContract"];
        StringAssert.Contains(target.Inputs, "@(_LlmcVerifyInput)");
        Assert.AreEqual("$(_LlmcVerifyStamp)", target.Outputs);
        StringAssert.EndsWith(host.GetPropertyValue("_LlmcVerifierAssembly").Replace('\\', '/'), "tasks/net8.0/llmc-verify.dll");
    }

    [TestMethod]
    public void Out_of_process_verification_can_be_chosen_on_core_msbuild()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate(new Dictionary<string, string> { ["LlmcVerifyOutOfProcess"] = "true" });
        Assert.AreEqual("InProcess", evaluated.GetPropertyValue("_LlmcTaskRoute"), "only verification changes route");
        var host = project.EvaluateHost(evaluated);
        Assert.IsTrue(PackageProject.TaskRuns(host, "VerifyContract", "RunContractVerifier"));
        Assert.IsFalse(PackageProject.TaskRuns(host, "VerifyContract", "VerifyContract"));
    }

    [TestMethod]
    public void Full_msbuild_verifies_out_of_process_even_when_a_project_says_false()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate(Full("18.3.1"), "<PropertyGroup><LlmcVerifyOutOfProcess>false</LlmcVerifyOutOfProcess></PropertyGroup>");
        var host = project.EvaluateHost(evaluated);
        Assert.IsTrue(PackageProject.TaskRuns(host, "VerifyContract", "RunContractVerifier"), "the net8.0 task cannot load there: no task-load error");
        Assert.IsFalse(PackageProject.TaskRuns(host, "VerifyContract", "VerifyContract"));
    }

    [TestMethod]
    public void Selects_the_task_host_usingtask_on_full_msbuild_18()
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate(Full("18.0.5"));

        Assert.AreEqual("TaskHost", evaluated.GetPropertyValue("_LlmcTaskRoute"));
        var registered = PackageProject.RegisteredTasks(evaluated);
        foreach (var task in NetTasks)
        {
            Assert.Contains((task, "TaskHostFactory", "NET"), registered, task);
            Assert.DoesNotContain((task, "", ""), registered, task);
        }
        // The host and work-order projects, where Factory's tasks run, route the same way.
        var host = project.EvaluateHost(evaluated);
        Assert.Contains(("StartFactoryRun", "TaskHostFactory", "NET"), PackageProject.RegisteredTasks(host));
        Assert.Contains(("RunContractVerifier", "", ""), PackageProject.RegisteredTasks(host));
    }

    [TestMethod]
    [DataRow("17.14.8")]
    [DataRow("16.11.2")]
    public void Full_msbuild_before_18_registers_no_net_task(string version)
    {
        using var project = WithPlan();
        var evaluated = project.Evaluate(Full(version));
        Assert.AreEqual("Unsupported", evaluated.GetPropertyValue("_LlmcTaskRoute"));
        Assert.AreEqual("", evaluated.GetPropertyValue("_LlmcTaskHostRuntime"));
        var registered = PackageProject.RegisteredTasks(evaluated).Select(r => r.Task).ToList();
        Assert.IsFalse(registered.Intersect(NetTasks.Append("VerifyContract")).Any(), string.Join(", ", registered));
    }

    [TestMethod]
    [DataRow("PlanWorkOrders")]
    [DataRow("Factory")]
    public void Full_msbuild_before_18_stops_planning_and_the_factory_with_E502_instead_of_a_task_load_failure(string target)
    {
        using var project = WithPlan();
        var (success, log) = PackageProject.Build(project.Evaluate(Full("17.14.8")), target);

        Assert.IsFalse(success, log);
        var errors = log.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, errors, log);
        StringAssert.Contains(errors[0], "error E502: ");
        StringAssert.Contains(errors[0], $"Run 'dotnet build -t:{target}' from a terminal, or upgrade.");
    }

    private static Dictionary<string, string> Full(string version) => new() { ["_LlmcMSBuildRuntimeType"] = "Full", ["_LlmcMSBuildVersion"] = version };

    private static PackageProject WithPlan()
    {
        var project = new PackageProject();
        project.Write("src/App/workorders/WO-01.json");
        return project;
    }
}
