using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmCompiler.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace LlmCompiler.Tests.Factory;

/// <summary>
/// The shipped GitHub Actions sample (samples/github-actions), played job by job on this machine: every <c>run:</c>
/// step is executed as written, with the built <c>llmc</c> on PATH, each job in its own clone of one bare repository
/// (its "machine"), artifacts as folders, and the four actions it uses (checkout, setup-dotnet, upload-artifact,
/// download-artifact) emulated. A change to the workflow, or to a command or option it uses, fails here.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class GitHubActionsSampleTests
{
    private const string Empty = LlmCompiler.Contracts.FileWrite.EmptySha256;
    private const string RunId = "4242";

    [GeneratedRegex(@"Work order (WO-\d+)")]
    private static partial Regex WorkOrderInPrompt();

    [GeneratedRegex(@"\$\{\{.*?\}\}")]
    private static partial Regex Expression();

    private static string SampleDirectory => Path.Combine(SourceTree.Root, "samples", "github-actions");

    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(SampleDirectory, file));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node)[key];

    private static string? Text(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    /// <summary>One job's "machine": a clone of the shared repository, the artifacts store, and the expressions it sees.</summary>
    private sealed class Runner(string bare, string artifacts, string bin, IReadOnlyDictionary<string, string> expressions, IReadOnlyDictionary<string, string?> environment)
    {
        public Dictionary<string, string> Outputs { get; } = new(StringComparer.Ordinal);

        public List<string> Log { get; } = [];

        public int RunJob(YamlMappingNode job)
        {
            using var machine = new TestRepo(init: false);
            foreach (YamlMappingNode step in (YamlSequenceNode)job["steps"])
            {
                var exit = RunStep(step, machine.Root);
                if (exit != 0) return exit;
            }
            return 0;
        }

        private int RunStep(YamlMappingNode step, string workspace)
        {
            var uses = Text(step, "uses");
            var with = step.Children.TryGetValue(new YamlScalarNode("with"), out var w) ? (YamlMappingNode)w : new YamlMappingNode();
            switch (uses?.Split('@')[0])
            {
                case "actions/checkout":
                    TestRepo.Run(Path.GetDirectoryName(workspace)!, "git", "clone", "-q", bare, workspace);
                    return 0;
                case "actions/setup-dotnet":
                    return 0;
                case "actions/download-artifact":
                    Assert.AreEqual("kept-*", Text(with, "pattern"));
                    Assert.AreEqual("true", Text(with, "merge-multiple"));
                    var into = Path.Combine(workspace, Text(with, "path")!);
                    Directory.CreateDirectory(into);
                    foreach (var dir in Directory.GetDirectories(artifacts, "kept-*"))
                    {
                        foreach (var file in Directory.GetFiles(dir)) File.Copy(file, Path.Combine(into, Path.GetFileName(file)), overwrite: true);
                    }
                    return 0;
                case "actions/upload-artifact":
                    var store = Directory.CreateDirectory(Path.Combine(artifacts, Substitute(Text(with, "name")!))).FullName;
                    var path = Path.Combine(workspace, Substitute(Text(with, "path")!));
                    File.Copy(path, Path.Combine(store, Path.GetFileName(path)));
                    return 0;
                case null:
                    break;
                default:
                    Assert.Fail($"the sample uses an action this test does not emulate: {uses}");
                    return 1;
            }

            var script = Text(step, "run")!;
            if (Text(step, "name") is { } name && name.StartsWith("Install", StringComparison.Ordinal))
            {
                // The emulated machine has llmc (the build under test) and bubblewrap already; only installing is skipped.
                foreach (var line in script.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    Assert.IsTrue(line.StartsWith("dotnet tool install -g LlmCompiler.Cli", StringComparison.Ordinal) || line.StartsWith("command -v bwrap", StringComparison.Ordinal), $"an install step does more than install: {line}");
                }
                return 0;
            }

            var env = new Dictionary<string, string?>(environment) { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
            var outputs = Path.Combine(Path.GetDirectoryName(workspace)!, "github-output");
            env["GITHUB_OUTPUT"] = outputs;
            if (step.Children.TryGetValue(new YamlScalarNode("env"), out var stepEnv))
            {
                foreach (var (k, v) in ((YamlMappingNode)stepEnv).Children) env[((YamlScalarNode)k).Value!] = Substitute(((YamlScalarNode)v).Value!);
            }
            var result = ChildProcess.Run("bash", workspace, ["-e", "-c", Substitute(script)], env, TimeSpan.FromMinutes(3));
            Log.Add($"$ {Text(step, "name")}\n{result}");
            if (File.Exists(outputs))
            {
                foreach (var line in File.ReadAllLines(outputs).Where(l => l.Contains('=')))
                {
                    Outputs[line[..line.IndexOf('=')]] = line[(line.IndexOf('=') + 1)..];
                }
            }
            return result.ExitCode;
        }

        private string Substitute(string text) => Expression().Replace(text, m =>
        {
            Assert.IsTrue(expressions.TryGetValue(m.Value, out var value), $"the sample uses an expression this test does not know: {m.Value}");
            return value!;
        });
    }

    [TestMethod]
    public async Task The_sample_workflow_runs_each_layer_on_its_own_machines_and_the_land_job_lands_the_diamond_in_plan_order()
    {
        using var origin = new TestRepo();
        origin.Write("README.md", "# product\n");
        Directory.CreateDirectory(Path.Combine(origin.Base, "plan"));
        ParallelRunTests.Diamond(origin);
        foreach (var file in Directory.GetFiles(Path.Combine(origin.Base, "plan"))) origin.Write("workorders/" + Path.GetFileName(file), File.ReadAllText(file));
        origin.Commit("plan");
        var plan = origin.Head;
        var bare = Path.Combine(origin.Base, "shared.git");
        TestRepo.Run(origin.Base, "git", "clone", "-q", "--bare", origin.Root, bare);

        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request =>
        {
            var id = WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value;
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal((WorkOrderFiles.DiamondFileOf(id), Empty, $"hello from {id}\n")));
        };
        using var shared = new TempDirectory("llmc-actions");
        var artifacts = Directory.CreateDirectory(Path.Combine(shared.Path, "artifacts")).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(shared.Path, "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "llmc"), $"#!/bin/sh\nexec \"{ChildProcess.DotnetHost()}\" \"{LlmcProcess.Dll}\" \"$@\"\n");
        File.SetUnixFileMode(Path.Combine(bin, "llmc"), (UnixFileMode)0b111_101_101);
        var key = "sk-CANARY-" + Guid.NewGuid().ToString("N");
        var environment = new Dictionary<string, string?> { ["HOME"] = Directory.CreateDirectory(Path.Combine(shared.Path, "home")).FullName };

        Runner Machine(string? wo = null) => new(bare, artifacts, bin, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["${{ github.run_id }}"] = RunId,
            ["${{ github.ref_name }}"] = "main",
            ["${{ inputs.mode }}"] = "live",
            ["${{ inputs.wo }}"] = wo ?? "",
            ["${{ secrets.OPENAI_API_KEY }}"] = key,
            ["${{ vars.LLMC_ENDPOINT }}"] = server.BaseUrl.ToString(),
            ["${{ vars.LLMC_MODEL || 'gpt-4.1-mini' }}"] = "loopback",
        }, environment);

        var dag = Load("llmc-dag.yml");
        var leg = Map(Map(Load("llmc-leg.yml"), "jobs"), "run");
        var jobs = Map(dag, "jobs");
        var log = new List<string>();

        var schedule = Machine();
        Assert.AreEqual(0, schedule.RunJob(Map(jobs, "schedule")), string.Join("\n", schedule.Log));
        var layers = JsonNode.Parse(schedule.Outputs["layers"])!.AsArray().Select(l => l!.AsArray().Select(w => w!.GetValue<string>()).ToArray()).ToList();
        CollectionAssert.AreEqual(new[] { "WO-01", "WO-02 WO-03", "WO-04" }, layers.Select(l => string.Join(' ', l)).ToArray());
        Assert.AreEqual("3", schedule.Outputs["count"]);

        for (var i = 0; i < 4; i++)
        {
            var job = Map(jobs, $"layer-{i + 1}");
            Assert.AreEqual("./.github/workflows/llmc-leg.yml", Text(job, "uses"));
            Assert.AreEqual($"${{{{ fromJSON(needs.schedule.outputs.layers)[{i}] }}}}", Text(Map(Map(job, "strategy"), "matrix"), "wo"));
            if (i >= layers.Count) continue;
            foreach (var wo in layers[i])
            {
                var machine = Machine(wo);
                Assert.AreEqual(0, machine.RunJob(leg), $"leg {wo}:\n" + string.Join("\n", machine.Log));
                log.AddRange(machine.Log);
            }
        }
        Assert.AreEqual("main", ChildProcess.Git(bare, "rev-parse", "--abbrev-ref", "HEAD").Output.Trim());
        Assert.AreEqual(plan, ChildProcess.Git(bare, "rev-parse", "main").Output.Trim(), "no leg pushed to the branch");

        var land = Machine();
        Assert.AreEqual(0, land.RunJob(Map(jobs, "land")), string.Join("\n", land.Log));

        var subjects = ChildProcess.Git(bare, "log", "--format=%s", $"{plan}..main").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "WO-04: Create src/d.txt", "WO-03: Create src/b.txt", "WO-02: Create src/a.txt", "WO-01: Create src/core.txt" }, subjects,
            "the four work orders land once each, in plan order:\n" + string.Join("\n", land.Log));
        foreach (var id in new[] { "WO-01", "WO-02", "WO-03", "WO-04" })
        {
            Assert.AreEqual($"hello from {id}\n", ChildProcess.Git(bare, "show", $"main:{WorkOrderFiles.DiamondFileOf(id)}").Output);
        }
        Assert.AreEqual(4, server.RequestCount, "one model call per work order: the land job re-verifies without asking again");
        Assert.IsTrue(server.Requests.All(r => r.Authorization == $"Bearer {key}"), "the key reaches the model from the secret");
        Assert.IsFalse(log.Concat(land.Log).Any(l => l.Contains(key, StringComparison.Ordinal)), "the key is in a job log");
    }
}
