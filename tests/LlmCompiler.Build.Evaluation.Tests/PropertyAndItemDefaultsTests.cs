namespace LlmCompiler.Build.Evaluation.Tests;

/// <summary>Every property and item default of <c>LlmCompiler.Build.props</c>/<c>.targets</c>, evaluated in process.</summary>
[TestClass]
public sealed class PropertyAndItemDefaultsTests
{
    [TestMethod]
    public void Mode_is_auto_outside_ci()
    {
        using var project = new PackageProject();
        Assert.AreEqual("auto", project.Evaluate().GetPropertyValue("LlmcMode"));
    }

    [TestMethod]
    [DataRow("CI")]
    [DataRow("TF_BUILD")]
    [DataRow("GITHUB_ACTIONS")]
    public void Mode_is_replay_when_a_ci_variable_is_true(string variable)
    {
        using var project = new PackageProject();
        Assert.AreEqual("replay", project.Evaluate(new Dictionary<string, string> { [variable] = "true" }).GetPropertyValue("LlmcMode"));
    }

    [TestMethod]
    public void An_explicit_mode_wins_over_ci()
    {
        using var project = new PackageProject();
        var evaluated = project.Evaluate(new Dictionary<string, string> { ["CI"] = "true" }, "<PropertyGroup><LlmcMode>live</LlmcMode></PropertyGroup>");
        Assert.AreEqual("live", evaluated.GetPropertyValue("LlmcMode"));
    }

    [TestMethod]
    public void Settings_have_their_documented_defaults()
    {
        using var project = new PackageProject();
        var evaluated = project.Evaluate();

        Assert.AreEqual("OPENAI_API_KEY", evaluated.GetPropertyValue("LlmcApiKeyEnv"));
        Assert.AreEqual("true", evaluated.GetPropertyValue("LlmcVerifyOnBuild"));
        Assert.AreEqual("true", evaluated.GetPropertyValue("LlmcEnableDefaultWorkOrderItems"));
        Assert.AreEqual("false", evaluated.GetPropertyValue("LlmcVerifyOutOfProcess"), "the .NET SDK's MSBuild verifies in process");
        Assert.AreEqual("workorders/", evaluated.GetPropertyValue("LlmcWorkOrdersDir"));
        Assert.AreEqual("workorders/WORK_ORDERS_MANIFEST.json", evaluated.GetPropertyValue("LlmcManifestFile"));
        Assert.AreEqual(Path.GetFullPath(Path.Combine(PackageProject.BuildFolder, "..", "tasks", "net8.0", "LlmCompiler.Build.Tasks.dll")),
            Path.GetFullPath(evaluated.GetPropertyValue("LlmcTasksAssembly").Replace('\\', Path.DirectorySeparatorChar)));
        Assert.AreEqual(Path.Combine(project.ProjectDirectory, "workorders") + Path.DirectorySeparatorChar, evaluated.GetPropertyValue("_LlmcWorkOrdersDirFull"));
        foreach (var empty in new[] { "LlmcModel", "LlmcEndpoint", "LlmcCassettesDir", "LlmcRepoRoot", "_LlmcRepoRootFull", "_LlmcCassettesDirFull" })
        {
            Assert.AreEqual("", evaluated.GetPropertyValue(empty), empty);
        }
    }

    [TestMethod]
    public void A_project_setting_a_default_keeps_its_value()
    {
        using var project = new PackageProject();
        var evaluated = project.Evaluate(body: "<PropertyGroup><LlmcApiKeyEnv>MY_KEY</LlmcApiKeyEnv><LlmcWorkOrdersDir>plan</LlmcWorkOrdersDir></PropertyGroup>");
        Assert.AreEqual("MY_KEY", evaluated.GetPropertyValue("LlmcApiKeyEnv"));
        Assert.AreEqual("plan/", evaluated.GetPropertyValue("LlmcWorkOrdersDir"), "the targets add the trailing separator");
        Assert.AreEqual("plan/WORK_ORDERS_MANIFEST.json", evaluated.GetPropertyValue("LlmcManifestFile"));
    }

    [TestMethod]
    public void Default_work_order_items_are_the_wo_files_of_the_plan_folder()
    {
        using var project = new PackageProject();
        project.Write("src/App/workorders/WO-01.json");
        project.Write("src/App/workorders/WO-02.json");
        project.Write("src/App/workorders/WORK_ORDERS_MANIFEST.json");
        project.Write("src/App/workorders/notes.json");

        var items = project.Evaluate().GetItems("WorkOrder").Select(i => i.EvaluatedInclude).Order(StringComparer.Ordinal).ToList();

        CollectionAssert.AreEqual(new[] { "workorders/WO-01.json", "workorders/WO-02.json" }, items);
    }

    [TestMethod]
    public void Default_work_order_items_follow_a_plan_folder_set_in_the_project()
    {
        using var project = new PackageProject();
        project.Write("src/App/plan/WO-01.json");
        var items = project.Evaluate(body: "<PropertyGroup><LlmcWorkOrdersDir>plan</LlmcWorkOrdersDir></PropertyGroup>").GetItems("WorkOrder");
        Assert.AreEqual("plan/WO-01.json", items.Single().EvaluatedInclude);
    }

    [TestMethod]
    public void Default_work_order_items_can_be_switched_off()
    {
        using var project = new PackageProject();
        project.Write("src/App/workorders/WO-01.json");
        var evaluated = project.Evaluate(new Dictionary<string, string> { ["LlmcEnableDefaultWorkOrderItems"] = "false" });
        Assert.IsEmpty(evaluated.GetItems("WorkOrder"));
    }

    [TestMethod]
    public void A_plan_at_the_repository_root_is_found_from_a_project_below_it()
    {
        using var project = new PackageProject();
        Directory.CreateDirectory(Path.Combine(project.Root, ".git"));
        project.Write("workorders/WO-01.json");

        var evaluated = project.Evaluate();

        Assert.AreEqual(Path.Combine(project.Root, "workorders") + Path.DirectorySeparatorChar, Path.GetFullPath(evaluated.GetPropertyValue("LlmcWorkOrdersDir")));
        Assert.AreEqual(Path.Combine(project.Root, "workorders", "WO-01.json"), evaluated.GetItems("WorkOrder").Single().GetMetadataValue("FullPath"));
    }

    [TestMethod]
    [DataRow("Directory.Build.props")]
    [DataRow("Directory.Packages.props")]
    public void A_plan_beside_a_shared_msbuild_file_is_found_from_a_project_below_it(string sharedFile)
    {
        using var project = new PackageProject();
        project.Write(sharedFile, "<Project />");
        project.Write("workorders/WO-01.json");
        Assert.HasCount(1, project.Evaluate().GetItems("WorkOrder"));
    }

    [TestMethod]
    public void A_plan_above_a_project_outside_any_shared_folder_is_not_picked_up()
    {
        using var project = new PackageProject();
        project.Write("workorders/WO-01.json");
        var evaluated = project.Evaluate();
        Assert.AreEqual("workorders/", evaluated.GetPropertyValue("LlmcWorkOrdersDir"));
        Assert.IsEmpty(evaluated.GetItems("WorkOrder"));
    }

    [TestMethod]
    public void The_projects_own_plan_folder_wins_over_a_shared_one()
    {
        using var project = new PackageProject();
        Directory.CreateDirectory(Path.Combine(project.Root, ".git"));
        project.Write("workorders/WO-01.json");
        project.Write("src/App/workorders/WO-01.json");
        Assert.AreEqual("workorders/", project.Evaluate().GetPropertyValue("LlmcWorkOrdersDir"));
    }

    [TestMethod]
    public void Work_orders_are_inputs_of_the_fast_up_to_date_check()
    {
        using var project = new PackageProject();
        project.Write("src/App/workorders/WO-01.json");
        var inputs = project.Evaluate().GetItems("UpToDateCheckInput").Select(i => i.EvaluatedInclude).ToList();
        CollectionAssert.AreEqual(new[] { "workorders/WO-01.json" }, inputs);
    }

    [TestMethod]
    public void Work_orders_are_no_up_to_date_inputs_when_builds_do_not_verify()
    {
        using var project = new PackageProject();
        project.Write("src/App/workorders/WO-01.json");
        Assert.IsEmpty(project.Evaluate(new Dictionary<string, string> { ["LlmcVerifyOnBuild"] = "false" }).GetItems("UpToDateCheckInput"));
    }

    [TestMethod]
    public void Work_order_and_spec_are_build_actions_and_specs_get_empty_metadata()
    {
        using var project = new PackageProject();
        var evaluated = project.Evaluate(body: "<ItemGroup><LlmSpec Include=\"spec.md\" /></ItemGroup>");
        CollectionAssert.IsSubsetOf(new[] { "WorkOrder", "LlmSpec" }, evaluated.GetItems("AvailableItemName").Select(i => i.EvaluatedInclude).ToList());
        var spec = evaluated.GetItems("LlmSpec").Single();
        Assert.IsTrue(spec.HasMetadata("OutputDir") && spec.HasMetadata("Template"));
        Assert.AreEqual("", spec.GetMetadataValue("OutputDir"));
    }

    [TestMethod]
    public void The_verification_state_is_kept_in_the_cache_folder_keyed_by_the_plan()
    {
        using var project = new PackageProject();
        project.Write("src/App/workorders/WO-01.json");
        var cache = Path.Combine(project.Root, "cache");
        var host = project.EvaluateHost(project.Evaluate(), new Dictionary<string, string> { ["LLMC_CACHE_DIR"] = cache });
        StringAssert.StartsWith(host.GetPropertyValue("_LlmcVerifyStamp"), cache + "/msbuild/");
        Assert.AreEqual(Path.Combine(project.ProjectDirectory, "workorders", "WO-01.json"), host.GetItems("_LlmcHostWorkOrder").Single().EvaluatedInclude);
    }

    [TestMethod]
    public void A_relative_config_file_is_made_absolute_for_the_shared_project()
    {
        using var project = new PackageProject();
        var evaluated = project.Evaluate(body: "<PropertyGroup><LlmcConfigFile>../../models/llmc.json</LlmcConfigFile></PropertyGroup>");
        Assert.AreEqual(Path.GetFullPath(Path.Combine(project.ProjectDirectory, "..", "..", "models", "llmc.json")), evaluated.GetPropertyValue("_LlmcConfigFileFull"));
        using var plain = new PackageProject();
        Assert.AreEqual("", plain.Evaluate().GetPropertyValue("_LlmcConfigFileFull"), "none given: the engine looks for llmc.json at the repository root");
    }

    [TestMethod]
    public void LlmcRole_items_are_flattened_for_the_tasks_with_every_metadata_in_order()
    {
        using var project = new PackageProject();
        var evaluated = project.Evaluate(body: """
            <ItemGroup>
              <LlmcRole Include="executor" Model="qwen" Endpoint="http://localhost:11434/v1" Attempts="3" />
              <LlmcRole Include="escalation" Model="gpt-4.1" ApiKeyEnv="STRONG_KEY" Temperature="0.2" />
            </ItemGroup>
            <Target Name="ShowRoles" DependsOnTargets="_LlmcHostProperties"><Message Importance="high" Text="roles=[$(_LlmcRoleItems)]" /></Target>
            """);
        var (success, log) = PackageProject.Build(evaluated, "ShowRoles");
        Assert.IsTrue(success, log);
        StringAssert.Contains(log, "roles=[executor|Model=qwen|Endpoint=http://localhost:11434/v1|ApiKeyEnv=|Temperature=|Attempts=3;escalation|Model=gpt-4.1|Endpoint=|ApiKeyEnv=STRONG_KEY|Temperature=0.2|Attempts=]");
    }
}
