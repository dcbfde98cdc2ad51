using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmCompiler.Processes;

namespace LlmCompiler.Tests.Containment;

/// <summary>
/// The containment guarantees per slot: two independent work orders run at once (<c>run-all --parallel 2</c>), each
/// in its own worktree slot, and their model-written acceptance scripts attack the repository, each other's slot and
/// the machine. Outcomes are asserted in bytes, refs, processes and files.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class ParallelContainmentTests
{
    private const string Sandboxed = "required";
    private const string Unsandboxed = "off";

    [GeneratedRegex(@"Work order (WO-\d+)")]
    private static partial Regex WorkOrderInPrompt();

    /// <summary>WO-01 and WO-02, independent; each writes its own file and runs its own attack script as acceptance.</summary>
    private static void TwoAttackers(AttackFixture f, Func<string, string> attack, TimeSpan? delay = null)
    {
        f.Server.Responder = request =>
        {
            var id = WorkOrderInPrompt().Match(request.MessageContents[^1]).Groups[1].Value;
            var n = id[^1];
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal(($"out{n}.txt", AttackFixture.Empty, $"gated {id}\n"), ($"src/attack{n}.sh", AttackFixture.Empty, attack(id))))
                with { Delay = delay ?? TimeSpan.FromMilliseconds(500) };
        };
        f.WorkOrder("WO-01", ["out1.txt", "src/attack1.sh"], [], "sh src/attack1.sh");
        f.WorkOrder("WO-02", ["out2.txt", "src/attack2.sh"], [], "sh src/attack2.sh");
    }

    /// <summary>The slot each work order ran in, from the parallel run's batch summary.</summary>
    private static Dictionary<string, string> SlotsOf(AttackFixture f)
    {
        var batch = Directory.GetFiles(f.Repo.PathOf(".llmc/runs/factory"), "batch_summary.json", SearchOption.AllDirectories).Single();
        return JsonNode.Parse(File.ReadAllText(batch))!["work_orders"]!.AsArray()
            .ToDictionary(w => w!["id"]!.GetValue<string>(), w => w!["slot"]!.GetValue<string>());
    }

    [TestMethod]
    [DataRow(Sandboxed)]
    [DataRow(Unsandboxed)]
    public async Task Each_slot_lands_exactly_its_gated_bytes_when_both_stage_commit_and_tamper_behind_the_gate(string sandbox)
    {
        await using var f = await AttackFixture.CreateAsync();
        var baseline = f.Repo.Head;
        var readme = File.ReadAllBytes(f.Repo.PathOf("README.md"));
        TwoAttackers(f, id => $$"""
            set +e
            mkdir -p .github/workflows && echo evil > .github/workflows/{{id}}.yml
            echo 'OPENAI_API_KEY=stolen' > .env
            git add -f .github/workflows/{{id}}.yml .env
            git rm -q --cached README.md
            git -c user.name=Mallory -c user.email=mallory@evil.invalid commit -q --no-verify -m "Mallory in {{id}}"
            echo tampered >> out1.txt; echo tampered >> out2.txt
            for d in "$(pwd)"/../*/; do echo pwned > "$d/pwned-by-{{id}}"; echo tampered >> "$d/out1.txt"; echo tampered >> "$d/out2.txt"; done
            exit 0
            """);

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run-all", .. f.Common(sandbox, f.PlanDirectory, "--parallel", "2", "--max-attempts", "1")]);

        var commits = f.Repo.Git("rev-list", "--reverse", $"{baseline}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (sandbox == Sandboxed)
        {
            Assert.AreEqual(0, exit, stdout + stderr);
            Assert.HasCount(2, commits, "one commit per work order, nothing else");
        }
        else
        {
            // Without a sandbox one slot's script can write into the other's worktree (docs/security.md): the other work
            // order may then fail — its base hash no longer matches (E207), or the write changed before it was stored
            // (E218) — but whatever lands is still exactly its gated bytes, and nothing is an internal error.
            Assert.IsFalse(stderr.Contains("E215", StringComparison.Ordinal), "tampering is not an internal error:\n" + stderr);
            if (exit != 0) Assert.IsTrue(stderr.Contains("error E207", StringComparison.Ordinal) || stderr.Contains("error E218", StringComparison.Ordinal), stdout + stderr);
        }
        foreach (var commit in commits)
        {
            var n = f.Repo.Git("log", "-1", "--format=%s", commit)[4];
            CollectionAssert.AreEqual(new[] { $"out{n}.txt", $"src/attack{n}.sh" }, f.Repo.Git("diff-tree", "-r", "--name-only", "--no-commit-id", commit).Split('\n', StringSplitOptions.RemoveEmptyEntries),
                $"WO-0{n}'s commit changes exactly its gated paths");
            Assert.AreEqual($"gated WO-0{n}\n", f.Repo.Git("show", $"HEAD:out{n}.txt"), "the landed bytes are the gated bytes, whatever either slot did afterwards");
            Assert.AreEqual("Test <test@example.invalid>", f.Repo.Git("log", "-1", "--format=%an <%ae>", commit).Trim(), "no foreign author");
        }
        CollectionAssert.AreEqual(readme, File.ReadAllBytes(f.Repo.PathOf("README.md")));
        Assert.IsFalse(Directory.Exists(f.Repo.PathOf(".github")));
        Assert.AreEqual("", f.Repo.Git("status", "--porcelain"));
        Assert.AreEqual("refs/heads/main", f.Repo.Git("for-each-ref", "--format=%(refname)").Trim(), "no branch, tag or kept ref is left");
        if (sandbox == Sandboxed)
        {
            // Each script sees its own worktree only: nothing it wrote reached the other work order's slot.
            var slots = SlotsOf(f);
            Assert.AreNotEqual(slots["WO-01"], slots["WO-02"]);
            var layout = new LlmCompiler.IO.RepositoryLayout(f.Repo.Root, f.Repo.Git("rev-parse", "--path-format=absolute", "--git-common-dir").Trim());
            Assert.IsTrue(File.Exists(Path.Combine(layout.Slot(slots["WO-01"]), "pwned-by-WO-01")), "the probe ran in its own slot");
            Assert.IsFalse(File.Exists(Path.Combine(layout.Slot(slots["WO-01"]), "pwned-by-WO-02")), "WO-02's script wrote into WO-01's slot");
            Assert.IsFalse(File.Exists(Path.Combine(layout.Slot(slots["WO-02"]), "pwned-by-WO-01")), "WO-01's script wrote into WO-02's slot");
        }
    }

    [TestMethod]
    [DataRow(Sandboxed)]
    [DataRow(Unsandboxed)]
    public async Task A_slot_whose_failing_acceptance_moves_refs_and_plants_git_state_leaves_it_byte_identical_while_the_other_runs(string sandbox)
    {
        await using var f = await AttackFixture.CreateAsync();
        var baseline = f.Repo.Head;
        string Planted() => Convert.ToHexString(File.ReadAllBytes(f.Repo.PathOf(".git/config")))
            + TestRepo.TreeHash(f.Repo.PathOf(".git/hooks")) + TestRepo.TreeHash(f.Repo.PathOf(".git/info")) + TestRepo.TreeHash(f.Repo.PathOf(".git/objects/info"));
        var before = Planted();
        TwoAttackers(f, id => id == "WO-02" ? "exit 0\n" : AttackFixture.PlantGitStateScript);

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run-all", .. f.Common(sandbox, f.PlanDirectory, "--parallel", "2", "--max-attempts", "1")]);

        Assert.AreNotEqual(0, exit, stdout + stderr);
        Assert.AreEqual(before, Planted(), "config, hooks, info/ or objects/info/ changed");
        Assert.AreEqual("refs/heads/main", f.Repo.Git("for-each-ref", "--format=%(refname)").Trim(), "a branch or tag was planted, or a kept ref left");
        var landed = f.Repo.Git("rev-list", $"{baseline}..HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.IsFalse(landed.Any(c => f.Repo.Git("log", "-1", "--format=%s", c).Contains("evil", StringComparison.Ordinal)), "the attacker's commit is on the branch");
        Assert.IsFalse(File.Exists(f.Repo.PathOf("out1.txt")));
        if (sandbox == Sandboxed)
        {
            CollectionAssert.AreEqual(new[] { "WO-02: WO-02 attack fixture" }, landed.Select(c => f.Repo.Git("log", "-1", "--format=%s", c).Trim()).ToArray(), "the other slot's work order lands");
        }
        else
        {
            // Without a sandbox the guard sees the change and stops the run; it cannot tell which slot made it.
            StringAssert.Contains(stderr, "E218");
            Assert.IsLessThanOrEqualTo(1, landed.Length);
        }
        Assert.AreEqual("", f.Repo.Git("status", "--porcelain"));
    }

    [TestMethod]
    [DataRow(Sandboxed)]
    [DataRow(Unsandboxed)]
    public async Task Daemons_of_both_slots_do_not_outlive_their_commands(string sandbox)
    {
        await using var f = await AttackFixture.CreateAsync();
        var marker = Path.Combine(f.Repo.Outside, "daemon-" + Guid.NewGuid().ToString("N")[..8]);
        TwoAttackers(f, id => AttackFixture.DaemonsScript($"{marker}-{id}"));

        var (exit, stdout, stderr) = await AttackFixture.Llmc(["run-all", .. f.Common(sandbox, f.PlanDirectory, "--parallel", "2", "--max-attempts", "1")]);

        Assert.AreEqual(0, exit, stdout + stderr);
        var markers = f.CommandMarkers();
        Assert.IsGreaterThanOrEqualTo(2, markers.Count, "both slots ran their acceptance");
        foreach (var m in markers) Assert.IsEmpty(ProcessReaper.FindMarked(m), $"a process of command {m} is still alive");
        long Sizes() => new[] { "WO-01", "WO-02" }.Sum(id => File.Exists($"{marker}-{id}") ? new FileInfo($"{marker}-{id}").Length : 0);
        var size = Sizes();
        await Task.Delay(500);
        Assert.AreEqual(size, Sizes(), "a daemon is still writing");
        if (sandbox == Sandboxed) Assert.AreEqual(0, size, "the sandbox let a daemon write outside its worktree");
    }
}
