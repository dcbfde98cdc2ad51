using System.Text.Json.Nodes;
using LlmCompiler.Cli;
using LlmCompiler.Contracts;
using LlmCompiler.IO;
using LlmCompiler.Tests.Factory;

namespace LlmCompiler.Tests.Containment;

/// <summary>
/// What the attack tests share: a repository with tracked files, an ignored secret and ignored build output, a
/// loopback model that answers with a given proposal, a canary API key, and snapshots of everything an attack could
/// change (the checkout with its ignored files, refs, git config, hooks, info/, objects/info/).
/// </summary>
internal sealed class AttackFixture : IAsyncDisposable
{
    public const string Empty = FileWrite.EmptySha256;

    private AttackFixture(TestRepo repo, LoopbackLlmServer server, string keyVariable, string key)
    {
        Repo = repo;
        Server = server;
        KeyVariable = keyVariable;
        Key = key;
    }

    /// <summary>
    /// An acceptance script that moves the user's branch, plants a tag and a branch, and plants git state that would
    /// run code or hide files later (exclude, alternates, fsmonitor, a hook), then fails.
    /// </summary>
    public const string PlantGitStateScript = """
        set +e
        d=$(git rev-parse --git-common-dir)
        c=$(git -c user.name=m -c user.email=m@e commit-tree HEAD^{tree} -m evil)
        git update-ref refs/heads/main "$c"
        git tag evil-tag
        git branch evil-branch
        echo '*' >> "$d/info/exclude"
        echo /tmp > "$d/objects/info/alternates"
        printf '[core]\n\tfsmonitor = touch pwned\n' >> "$d/config"
        printf '#!/bin/sh\ntouch pwned\n' > "$d/hooks/pre-commit"; chmod +x "$d/hooks/pre-commit"
        exit 1
        """;

    /// <summary>An acceptance script that leaves a daemon appending to <paramref name="marker"/> and two sleepers behind, then passes.</summary>
    public static string DaemonsScript(string marker) => $$"""
        setsid sh -c 'while true; do date >> "{{marker}}" 2>/dev/null; sleep 0.1; done' </dev/null >/dev/null 2>&1 &
        (sleep 1000 &)
        nohup sleep 1000 </dev/null >/dev/null 2>&1 &
        exit 0
        """;

    public TestRepo Repo { get; }
    public LoopbackLlmServer Server { get; }
    public string KeyVariable { get; }
    public string Key { get; }
    public string PlanDirectory => Path.Combine(Repo.Base, "plan");

    public static async Task<AttackFixture> CreateAsync()
    {
        var repo = FactoryEndToEndTests.NewRepo();
        // The one change the factory itself makes to git state, made up front so snapshots compare the attack alone.
        LlmCompiler.Git.GitExclude.AddLine(repo.PathOf(".git/info/exclude"), LlmCompiler.Git.GitExclude.ArtifactsPattern);
        var server = await LoopbackLlmServer.StartAsync();
        var name = "LLMC_ATTACK_KEY_" + Guid.NewGuid().ToString("N")[..8];
        var key = "sk-CANARY-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, key);
        return new AttackFixture(repo, server, name, key);
    }

    /// <summary>Every write in one proposal; the model answers it on every call.</summary>
    public void AnswerAlways(params (string Path, string Content)[] writes) =>
        Server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal([.. writes.Select(w => (w.Path, Sha(w.Path), w.Content))]));

    /// <summary>The base hash a proposal must carry for <paramref name="path"/> (the checkout equals the baseline).</summary>
    public string Sha(string path) => File.Exists(Repo.PathOf(path)) ? ContentHash.Sha256Hex(File.ReadAllBytes(Repo.PathOf(path))) : Empty;

    /// <summary>A work order over <paramref name="allowed"/> (each must exist afterwards) with the given acceptance commands.</summary>
    public string WorkOrder(string id, string[] allowed, params string[] acceptance) => WorkOrder(id, allowed, null, acceptance);

    /// <summary>The same, with <c>depends_on</c> (an empty array makes the work order independent of every other).</summary>
    public string WorkOrder(string id, string[] allowed, string[]? dependsOn, params string[] acceptance)
    {
        var json = new JsonObject
        {
            ["id"] = id, ["title"] = $"{id} attack fixture", ["intent"] = "Write the files.",
            ["preconditions"] = new JsonArray([.. allowed.Where(a => !File.Exists(Repo.PathOf(a))).Select(a => (JsonNode)new JsonObject { ["kind"] = "file_absent", ["path"] = a })]),
            ["postconditions"] = new JsonArray([.. allowed.Select(a => (JsonNode)new JsonObject { ["kind"] = "file_exists", ["path"] = a })]),
            ["allowed_files"] = new JsonArray([.. allowed.Select(a => (JsonNode)a)]),
            ["forbidden"] = new JsonArray(), ["acceptance_commands"] = new JsonArray([.. acceptance.Select(a => (JsonNode)a)]),
            ["context_files"] = new JsonArray(), ["notes"] = null, ["verify_exempt"] = false,
        };
        if (dependsOn is not null) json["depends_on"] = new JsonArray([.. dependsOn.Select(d => (JsonNode)d)]);
        Directory.CreateDirectory(PlanDirectory);
        var path = Path.Combine(PlanDirectory, id + ".json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    public string[] Common(string sandbox, params string[] more) =>
        ["--repo", Repo.Root, "--endpoint", Server.BaseUrl.ToString(), "--api-key-env", KeyVariable, "--model", "loopback", "--sandbox", sandbox, .. more];

    public static async Task<(int Exit, string Stdout, string Stderr)> Llmc(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr).WaitAsync(TimeSpan.FromMinutes(4));
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The git state an attack could move or plant: refs, HEAD, config, hooks, info/, objects/info/, stash.</summary>
    public string GitState() =>
        Repo.Git("for-each-ref", "--format=%(refname) %(objectname)") + Repo.Head + Repo.Git("stash", "list")
        + Convert.ToHexString(File.ReadAllBytes(Repo.PathOf(".git/config")))
        + TestRepo.TreeHash(Repo.PathOf(".git/hooks")) + TestRepo.TreeHash(Repo.PathOf(".git/info")) + TestRepo.TreeHash(Repo.PathOf(".git/objects/info"))
        + TestRepo.TreeHash(Repo.PathOf(".git/refs"));

    /// <summary>Every journal marker of the factory's commands in this repository (what recovery would kill).</summary>
    public IReadOnlyList<string> CommandMarkers()
    {
        var runs = Repo.PathOf(".llmc/runs/factory");
        if (!Directory.Exists(runs)) return [];
        return [.. Directory.GetFiles(runs, "journal.jsonl", SearchOption.AllDirectories)
            .SelectMany(Journal.Read).Where(e => e.Event == "command_started").Select(e => e.GetString("marker")).OfType<string>()];
    }

    /// <summary>Every file the tool wrote (run folders, ledger) as text, for secret scans.</summary>
    public IEnumerable<(string Path, string Text)> ToolFiles() =>
        TestRepo.Walk(Repo.PathOf(".llmc")).Where(File.Exists).Select(f => (f, File.ReadAllText(f)));

    public async ValueTask DisposeAsync()
    {
        Environment.SetEnvironmentVariable(KeyVariable, null);
        await Server.DisposeAsync();
        Repo.Dispose();
    }
}
