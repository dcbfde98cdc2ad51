using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

/// <summary>
/// Roles through `dotnet build -t:Factory` of the packed package: LlmcRole items and llmc.json drive the same requests,
/// and a reviewer's finding reaches the build output as a diagnostic at the file and line it names.
/// </summary>
[TestClass]
public sealed class RolesBuildTests
{
    private const string Empty = LlmCompiler.Contracts.FileWrite.EmptySha256;

    private static Dictionary<string, string?> Key() => new() { ["OPENAI_API_KEY"] = $"sk-CANARY-{Guid.NewGuid():N}" };

    private static string Model(RecordedRequest r) => r.Json!["model"]!.GetValue<string>();

    private static ProductRepo Product(LoopbackLlmServer server, string extras, string? config)
    {
        var product = new ProductRepo(PackageFeed.Get(),
            $"<PropertyGroup><LlmcMode>live</LlmcMode><LlmcEndpoint>{server.BaseUrl}</LlmcEndpoint><LlmcModel>default-model</LlmcModel></PropertyGroup>{extras}");
        if (config is not null) product.Write("llmc.json", config);
        product.Write("workorders/WO-01.json", WorkOrderFiles.InDag("WO-01", "src/a.txt", []));
        ChildProcess.GitOk(product.Root, "add", "-A");
        ChildProcess.GitOk(product.Root, "commit", "-q", "-m", "plan");
        return product;
    }

    private static (IReadOnlyList<RecordedRequest> Requests, ChildResult Build) Escalating(string extras, string? config)
    {
        using var server = LoopbackLlmServer.StartAsync().GetAwaiter().GetResult();
        server.Responder = r => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("src/a.txt", Empty, Model(r) == "strong" ? "hello\n" : $"bye {r.Number}\n")));
        using var product = Product(server, extras, config);
        var build = product.Build(Key(), "-t:Factory");
        return (server.Requests, build);
    }

    [TestMethod]
    public void LlmcRole_items_and_llmc_json_send_the_same_requests()
    {
        var (fromFile, fileBuild) = Escalating("", """{ "roles": { "executor": { "model": "cheap", "attempts": 2 }, "escalation": { "model": "strong" } } }""");
        var (fromItems, itemBuild) = Escalating("""<ItemGroup><LlmcRole Include="executor" Model="cheap" Attempts="2" /><LlmcRole Include="escalation" Model="strong" /></ItemGroup>""", null);

        Assert.AreEqual(0, fileBuild.ExitCode, fileBuild.ToString());
        Assert.AreEqual(0, itemBuild.ExitCode, itemBuild.ToString());
        CollectionAssert.AreEqual(new[] { "cheap", "cheap", "strong" }, fromFile.Select(Model).ToArray(), fileBuild.ToString());
        CollectionAssert.AreEqual(fromFile.Select(r => r.Body).ToArray(), fromItems.Select(r => r.Body).ToArray(), "the same configuration, byte-identical requests");
        StringAssert.Contains(itemBuild.Output, "WO-01: escalating to strong after 2 failed attempts");
        StringAssert.Contains(itemBuild.Output, "Factory: metrics: 1 landed, 0 failed, 0 blocked of 1 run");
    }

    [TestMethod]
    public void An_LlmcRole_item_overrides_the_file_and_a_bad_one_is_E227()
    {
        var (requests, build) = Escalating("""<ItemGroup><LlmcRole Include="escalation" Model="strong" /></ItemGroup>""",
            """{ "roles": { "executor": { "model": "cheap", "attempts": 1 }, "escalation": { "model": "file-strong" } } }""");
        Assert.AreEqual(0, build.ExitCode, build.ToString());
        CollectionAssert.AreEqual(new[] { "cheap", "strong" }, requests.Select(Model).ToArray());

        var (none, bad) = Escalating("""<ItemGroup><LlmcRole Include="escalator" Model="strong" /></ItemGroup>""", null);
        Assert.AreNotEqual(0, bad.ExitCode);
        Assert.IsEmpty(none);
        StringAssert.Contains(bad.Output, "error E227: LlmcRole 'escalator': unknown role");
    }

    [TestMethod]
    public void A_blocking_review_finding_is_an_error_at_its_file_and_line_in_the_build_output()
    {
        using var server = LoopbackLlmServer.StartAsync().GetAwaiter().GetResult();
        server.Responder = r => ScriptedResponse.Completion(Model(r) == "rev"
            ? """{"verdict":"block","summary":"","findings":[{"severity":"critical","file":"src/a.txt","line":1,"summary":"the greeting is hard-coded"}]}"""
            : WorkOrderFiles.Proposal(("src/a.txt", Empty, $"hello {r.Number}\n")));
        using var product = Product(server, "", """{ "roles": { "reviewer": { "model": "rev" } }, "review": { "always": ["src/**"] } }""");

        var build = product.Build(Key(), "-t:Factory");

        Assert.AreNotEqual(0, build.ExitCode);
        CollectionAssert.AreEqual(new[] { "default-model", "rev", "default-model", "rev" }, server.Requests.Select(Model).ToArray(), build.ToString());
        var diagnostics = ProductRepo.Diagnostics(build.Output);
        var file = product.PathOf("src/a.txt");
        Assert.IsTrue(diagnostics.Any(d => d.File == file && d.Line == 1 && d.Column == 1 && d.Severity == "error" && d.Code == "E228"), build.ToString());
        Assert.IsTrue(diagnostics.Any(d => d.File == file && d.Severity == "warning" && d.Code == "W228"), "the block that re-opened it is a warning at the same place");
        Assert.IsFalse(File.Exists(file), "a blocked work order does not land");
    }

    [TestMethod]
    public void The_nodes_of_a_fanned_out_Factory_share_one_health_budget()
    {
        using var server = LoopbackLlmServer.StartAsync().GetAwaiter().GetResult();
        // Every answer fails its acceptance; each node has one attempt; the run may fail one attempt in all.
        server.Responder = r => ScriptedResponse.Completion(WorkOrderFiles.Proposal((System.Text.RegularExpressions.Regex.Match(r.MessageContents[^1], @"Create (src/f\d\.txt)").Groups[1].Value, Empty, "bye\n"))) with { Delay = TimeSpan.FromSeconds(1) };
        using var product = new ProductRepo(PackageFeed.Get(),
            $"<PropertyGroup><LlmcMode>live</LlmcMode><LlmcEndpoint>{server.BaseUrl}</LlmcEndpoint><LlmcModel>m</LlmcModel><LlmcMaxAttempts>1</LlmcMaxAttempts></PropertyGroup>");
        for (var i = 1; i <= 3; i++) product.Write($"workorders/WO-0{i}.json", WorkOrderFiles.InDag($"WO-0{i}", $"src/f{i}.txt", []));
        ChildProcess.GitOk(product.Root, "add", "-A");
        ChildProcess.GitOk(product.Root, "commit", "-q", "-m", "plan");

        var build = product.Build(Key(), "-t:Factory", "-m:2", "-p:LlmcMaxParallel=2", "-p:LlmcMaxFailedAttempts=1");

        Assert.AreNotEqual(0, build.ExitCode);
        StringAssert.Contains(build.Output, "fans out 3 work order(s)", build.ToString());
        // Two slots: the first two nodes may both have asked before either failed; the third starts only after one of
        // them failed, and is refused without a call. Without the shared budget all three would ask.
        Assert.IsLessThan(3, server.RequestCount, "the third node made a call although the run's budget was spent:\n" + build);
        StringAssert.Matches(build.Output, new System.Text.RegularExpressions.Regex("error E23[39]"));
    }
}
