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

    private static readonly string[] PackageTaskFiles =
    [
        "net8.0/LlmCompiler.Build.Tasks.dll", "net8.0/llmc-verify.dll", "net10.0-linux-x64/LlmCompiler.Build.Tasks.dll",
        "netstandard2.0/LlmCompiler.Build.OutOfProcess.dll",
    ];

    [TestMethod]
    public void Dotnet_10_msbuild_on_linux_x64_loads_the_ReadyToRun_tasks_and_verifies_out_of_process_with_the_net8_verifier()
    {
        using var project = WithPlan();
        var package = project.UsePackageLayout(PackageTaskFiles);
        var evaluated = project.Evaluate(Platform("10.0.12", linux: true, "X64"));

        Assert.AreEqual(Path.GetFullPath(Path.Combine(package, "tasks", "net10.0-linux-x64", "LlmCompiler.Build.Tasks.dll")), TasksAssembly(evaluated));
        var host = project.EvaluateHost(evaluated, new Dictionary<string, string> { ["LlmcVerifyOutOfProcess"] = "true" });
        Assert.IsTrue(PackageProject.TaskRuns(host, "VerifyContract", "RunContractVerifier"));
        Assert.AreEqual(Path.GetFullPath(Path.Combine(package, "tasks", "net8.0", "llmc-verify.dll")),
            Path.GetFullPath(host.GetPropertyValue("_LlmcVerifierAssembly").Replace('\\', Path.DirectorySeparatorChar)), "llmc-verify ships in net8.0 only");
    }

    [TestMethod]
    [DataRow("8.0.11", true, "X64", DisplayName = "SDK 8 or 9 MSBuild (.NET 8 or 9)")]
    [DataRow("10.0.12", false, "X64", DisplayName = "Windows or macOS")]
    [DataRow("10.0.12", true, "Arm64", DisplayName = "Linux Arm64")]
    public void Every_other_core_msbuild_loads_the_portable_net8_tasks(string dotnetVersion, bool linux, string architecture)
    {
        using var project = WithPlan();
        var package = project.UsePackageLayout(PackageTaskFiles);

        var evaluated = project.Evaluate(Platform(dotnetVersion, linux, architecture));

        Assert.AreEqual(Path.GetFullPath(Path.Combine(package, "tasks", "net8.0", "LlmCompiler.Build.Tasks.dll")), TasksAssembly(evaluated));
    }

    [TestMethod]
    public void The_portable_tasks_load_when_the_package_has_no_ReadyToRun_folder_on_full_msbuild_and_when_the_project_names_its_own()
    {
        using (var project = WithPlan())
        {
            var package = project.UsePackageLayout("net8.0/LlmCompiler.Build.Tasks.dll");
            Assert.AreEqual(Path.GetFullPath(Path.Combine(package, "tasks", "net8.0", "LlmCompiler.Build.Tasks.dll")),
                TasksAssembly(project.Evaluate(Platform("10.0.12", linux: true, "X64"))), "no tasks/net10.0-linux-x64/");
        }
        using (var project = WithPlan())
        {
            var package = project.UsePackageLayout(PackageTaskFiles);
            var full = Full("18.0.5");
            foreach (var (name, value) in Platform("10.0.12", linux: true, "X64")) full[name] = value;
            Assert.AreEqual(Path.GetFullPath(Path.Combine(package, "tasks", "net8.0", "LlmCompiler.Build.Tasks.dll")),
                TasksAssembly(project.Evaluate(full)), "the .NET task host of Full MSBuild gets the portable tasks");
        }
        using (var project = WithPlan())
        {
            project.UsePackageLayout(PackageTaskFiles);
            var evaluated = project.Evaluate(Platform("10.0.12", linux: true, "X64"), "<PropertyGroup><LlmcTasksAssembly>/opt/mine/LlmCompiler.Build.Tasks.dll</LlmcTasksAssembly></PropertyGroup>");
            Assert.AreEqual("/opt/mine/LlmCompiler.Build.Tasks.dll", evaluated.GetPropertyValue("LlmcTasksAssembly"));
        }
    }

    private static Dictionary<string, string> Platform(string dotnetVersion, bool linux, string architecture) => new()
    {
        ["_LlmcDotnetVersion"] = dotnetVersion, ["_LlmcIsLinux"] = linux ? "true" : "false", ["_LlmcProcessArchitecture"] = architecture,
    };

    private static string TasksAssembly(Microsoft.Build.Evaluation.Project evaluated) =>
        Path.GetFullPath(evaluated.GetPropertyValue("LlmcTasksAssembly").Replace('\\', Path.DirectorySeparatorChar));

    private static Dictionary<string, string> Full(string version) => new() { ["_LlmcMSBuildRuntimeType"] = "Full", ["_LlmcMSBuildVersion"] = version };

    private static PackageProject WithPlan()
    {
        var project = new PackageProject();
        project.Write("src/App/workorders/WO-01.json");
        return project;
    }
}
