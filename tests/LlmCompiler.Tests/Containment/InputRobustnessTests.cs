using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LlmCompiler.Contracts;
using LlmCompiler.IO;
using LlmCompiler.Tests.Factory;
using static LlmCompiler.Tests.Containment.ContainmentHarness;

namespace LlmCompiler.Tests.Containment;

/// <summary>
/// Inputs that are not what they claim to be (FIFOs, devices, reserved names, huge proposals) end in an exit code and a
/// diagnostic within seconds, never in a hang, a stack trace or a write.
/// </summary>
[TestClass]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InputRobustnessTests
{
    private const string Empty = FileWrite.EmptySha256;

    // Finding: a FIFO given to `llmc verify` blocked the reader forever.
    [TestMethod]
    public async Task A_fifo_given_to_verify_is_refused_without_hanging()
    {
        using var scratch = new TestRepo(init: false);
        var fifo = Path.Combine(scratch.Base, "plan.json");
        MakeFifo(fifo);

        var (exit, stdout, stderr) = await LlmcAsync(["verify", fifo], fifo);

        Assert.AreEqual(1, exit, stdout + stderr);
        AssertOneLineRefusal(stderr, "plan.json");
        AssertNoStackTrace(stdout + stderr, "verify <fifo>");
        Assert.AreEqual(FileKind.Special, FileKinds.Of(fifo), "the FIFO must be left where it was");
    }

    // Finding: a FIFO named like a sibling work order (WO-02.json) in a plan folder blocked `llmc verify <dir>`.
    [TestMethod]
    public async Task A_fifo_posing_as_a_sibling_work_order_is_refused_without_hanging()
    {
        using var scratch = new TestRepo(init: false);
        var plan = Path.Combine(scratch.Base, "plan");
        Directory.CreateDirectory(plan);
        File.WriteAllText(Path.Combine(plan, "WO-01.json"), WorkOrderFiles.Compact("WO-01", "hello.txt", "true"));
        var fifo = Path.Combine(plan, "WO-02.json");
        MakeFifo(fifo);

        var (exit, stdout, stderr) = await LlmcAsync(["verify", plan], fifo);

        Assert.AreEqual(1, exit, stdout + stderr);
        AssertOneLineRefusal(stderr, "WO-02.json");
        AssertNoStackTrace(stdout + stderr, "verify <dir with FIFO WO-02.json>");
    }

    // Finding: a FIFO as WORK_ORDERS_MANIFEST.json beside the work orders blocked `llmc verify <dir>`.
    [TestMethod]
    public async Task A_fifo_posing_as_the_manifest_is_refused_without_hanging()
    {
        using var scratch = new TestRepo(init: false);
        var plan = Path.Combine(scratch.Base, "plan");
        Directory.CreateDirectory(plan);
        File.WriteAllText(Path.Combine(plan, "WO-01.json"), WorkOrderFiles.Compact("WO-01", "hello.txt", "true"));
        var fifo = Path.Combine(plan, Manifest.FileName);
        MakeFifo(fifo);

        var (exit, stdout, stderr) = await LlmcAsync(["verify", plan], fifo);

        Assert.AreEqual(1, exit, stdout + stderr);
        AssertOneLineRefusal(stderr, Manifest.FileName);
        AssertNoStackTrace(stdout + stderr, "verify <dir with FIFO manifest>");
    }

    // Finding: `llmc run <fifo>` blocked before preflight.
    [TestMethod]
    public async Task A_fifo_given_as_the_work_order_is_refused_without_hanging_or_calling_the_model()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n")));
        var key = NewKey(out _);
        var fifo = Path.Combine(repo.Base, "plan", "WO-01.json");
        MakeFifo(fifo);
        var head = repo.Head;
        var before = repo.CheckoutHash();

        var (exit, stdout, stderr) = await LlmcAsync(["run", .. Common(repo, server, key, fifo, "--max-attempts", "1")], fifo);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E200");
        StringAssert.Contains(stderr, "WO-01.json");
        AssertNoStackTrace(stdout + stderr, "run <fifo>");
        Assert.AreEqual(0, server.RequestCount, "no model call may happen for an unreadable work order");
        Assert.AreEqual(head, repo.Head);
        Assert.AreEqual(before, repo.CheckoutHash());
        Assert.IsFalse(Directory.Exists(FactoryRuns(repo)) && Directory.EnumerateFileSystemEntries(FactoryRuns(repo)).Any(), "no run folder may be created");
    }

    // Finding: `llmc plan --spec /dev/zero` read forever (memory) and `--spec <fifo>` blocked.
    [TestMethod]
    [DataRow("dev-zero")]
    [DataRow("fifo")]
    public async Task A_device_or_fifo_given_as_the_spec_is_refused_before_any_model_call(string kind)
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion("{}");
        var key = NewKey(out _);
        string spec;
        string? fifo = null;
        if (kind == "fifo")
        {
            spec = fifo = Path.Combine(repo.Base, "spec.md");
            MakeFifo(fifo);
        }
        else
        {
            spec = "/dev/zero";
        }
        var outdir = Path.Combine(repo.Base, "out");

        var (exit, stdout, stderr) = await LlmcAsync(
            ["plan", "--spec", spec, "--outdir", outdir, "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback", "--max-attempts", "1"], fifo);

        Assert.AreEqual(1, exit, stdout + stderr);
        StringAssert.Contains(stderr, "E501");
        StringAssert.Contains(stderr, Path.GetFileName(spec));
        AssertNoStackTrace(stdout + stderr, $"plan --spec {kind}");
        Assert.AreEqual(0, server.RequestCount, "the spec is read before any model call");
        Assert.IsFalse(Directory.Exists(outdir) && Directory.EnumerateFileSystemEntries(outdir).Any(), "no work order may be written");
    }

    // Finding: FileKinds is what every input check relies on; it must tell FIFOs and devices from files without opening them.
    [TestMethod]
    public void FileKinds_tells_fifos_devices_files_links_directories_and_missing_paths_apart()
    {
        using var scratch = new TestRepo(init: false);
        var fifo = Path.Combine(scratch.Base, "fifo");
        MakeFifo(fifo);
        var file = Path.Combine(scratch.Base, "file.txt");
        File.WriteAllText(file, "x");
        var link = Path.Combine(scratch.Base, "link");
        File.CreateSymbolicLink(link, file);
        var dangling = Path.Combine(scratch.Base, "dangling");
        File.CreateSymbolicLink(dangling, Path.Combine(scratch.Base, "nowhere"));

        Assert.AreEqual(FileKind.Special, FileKinds.Of(fifo));
        Assert.AreEqual(FileKind.Special, FileKinds.Of("/dev/zero"));
        Assert.AreEqual(FileKind.Special, FileKinds.Of("/dev/null"));
        Assert.AreEqual(FileKind.Regular, FileKinds.Of(file));
        Assert.AreEqual(FileKind.SymbolicLink, FileKinds.Of(link));
        Assert.AreEqual(FileKind.Regular, FileKinds.OfTarget(link));
        Assert.AreEqual(FileKind.SymbolicLink, FileKinds.Of(dangling));
        Assert.AreEqual(FileKind.Missing, FileKinds.OfTarget(dangling));
        Assert.AreEqual(FileKind.Directory, FileKinds.Of(scratch.Outside));
        Assert.AreEqual(FileKind.Missing, FileKinds.Of(Path.Combine(scratch.Base, "absent")));
        Assert.IsFalse(SafeFile.TryReadInput(fifo, 1024, out _, out var fifoError), "a FIFO is not an input");
        StringAssert.Contains(fifoError, "FIFO");
        Assert.IsFalse(SafeFile.TryReadInput("/dev/zero", 1024, out _, out _), "/dev/zero is not an input");
    }

    // Finding: COM0/LPT0, the superscript-digit COM/LPT names and CONIN$/CONOUT$ were not reserved names.
    [TestMethod]
    [DataRow("COM0")]
    [DataRow("LPT0")]
    [DataRow("COM\u00B9")]
    [DataRow("LPT\u00B3")]
    [DataRow("CONIN$")]
    [DataRow("CONOUT$")]
    [DataRow("conin$.txt")]
    [DataRow("conout$.log")]
    [DataRow("com0.cs")]
    [DataRow("Lpt0.json")]
    [DataRow("com\u00B2.txt")]
    [DataRow("src/CONIN$")]
    [DataRow("src/lpt\u00B9.txt")]
    public void Windows_reserved_device_names_are_rejected_by_the_path_rule(string path)
    {
        Assert.IsNotNull(RepoPath.Validate(path), $"'{path}' must be rejected");
        Assert.IsFalse(RepoPath.IsValid(path));
        Assert.IsFalse(RepoPath.TryNormalize(path, out _, out var error));
        StringAssert.Contains(error, "reserved");
    }

    [TestMethod]
    [DataRow("COM10")]
    [DataRow("CONIN")]
    [DataRow("LPT")]
    [DataRow("console.txt")]
    [DataRow("src/comics.txt")]
    public void Names_that_merely_resemble_device_names_stay_valid(string path) =>
        Assert.IsNull(RepoPath.Validate(path), $"'{path}' is an ordinary name");

    // Finding: a work order whose allowed_files lists a reserved name passed `llmc verify`.
    [TestMethod]
    [DataRow("COM0")]
    [DataRow("LPT0")]
    [DataRow("COM\u00B9")]
    [DataRow("LPT\u00B3")]
    [DataRow("CONIN$")]
    [DataRow("CONOUT$")]
    [DataRow("conin$.txt")]
    [DataRow("src/conout$.txt")]
    public async Task A_work_order_allowing_a_reserved_name_fails_verify_with_a_positioned_error(string path)
    {
        using var scratch = new TestRepo(init: false);
        var plan = Path.Combine(scratch.Base, "plan");
        Directory.CreateDirectory(plan);
        var json = new JsonObject
        {
            ["id"] = "WO-01", ["title"] = "Create a file", ["intent"] = "Create the file.",
            ["preconditions"] = new JsonArray(),
            ["postconditions"] = new JsonArray(new JsonObject { ["kind"] = "file_exists", ["path"] = "ok.txt" }),
            ["allowed_files"] = new JsonArray("ok.txt", path),
            ["forbidden"] = new JsonArray(), ["acceptance_commands"] = new JsonArray("true"), ["context_files"] = new JsonArray(),
            ["notes"] = null, ["verify_exempt"] = false,
        }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var file = Path.Combine(plan, "WO-01.json");
        File.WriteAllText(file, json);

        var (exit, stdout, stderr) = await LlmcAsync(["verify", plan]);

        Assert.AreEqual(2, exit, stdout + stderr);
        AssertNoStackTrace(stdout + stderr, "verify");
        // allowed_files[1] is on its own line in the indented file: the error must point at it.
        var expectedLine = json.Split('\n').Select((l, i) => (l, i)).Single(x => x.l.Contains("\"ok.txt\",", StringComparison.Ordinal)).i + 2;
        var positioned = new Regex(@"WO-01\.json\((\d+),(\d+)\): error E005: ([^\r\n]*)");
        var hits = positioned.Matches(stdout + stderr).Where(m => m.Groups[3].Value.Contains("reserved", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.IsNotEmpty(hits, $"no positioned E005 naming the reserved name:\n{stdout}{stderr}");
        Assert.IsTrue(hits.Any(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) == expectedLine),
            $"the E005 must point at line {expectedLine} (allowed_files[1]):\n{stdout}{stderr}");
    }

    // Finding: a proposal with tens of thousands of out-of-scope paths produced a multi-megabyte refusal message.
    [TestMethod]
    public async Task A_proposal_with_25000_out_of_scope_paths_is_refused_with_a_short_message_that_counts_the_rest()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        var writes = Enumerable.Range(0, 25_000).Select(i => ($"stray/f{i:D5}.txt", Empty, "x")).Prepend(("hello.txt", Empty, "hello\n")).ToArray();
        var answer = WorkOrderFiles.Proposal(writes);
        server.Responder = _ => ScriptedResponse.Completion(answer);
        var key = NewKey(out _);
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var head = repo.Head;
        var before = repo.CheckoutHash();
        var outsideBefore = TestRepo.TreeHash(repo.Outside);

        var (exit, stdout, stderr) = await LlmcAsync(["run", .. Common(repo, server, key, wo, "--max-attempts", "1")]);

        Assert.AreEqual(1, exit, stdout + stderr);
        AssertNoStackTrace(stdout + stderr, "run");
        var refusal = LineWith(stderr, "E205");
        Assert.IsNotNull(refusal, stderr.Length > 20_000 ? stderr[..20_000] : stderr);
        Assert.IsLessThan(10_000, refusal.Length, $"the E205 message is {refusal.Length} characters long");
        Assert.IsTrue(Regex.IsMatch(refusal, @"24[,.]?980 more"), $"the message must say how many paths it left out: {refusal}");
        Assert.IsLessThan(100_000, stderr.Length, "stderr as a whole must stay small");
        Assert.AreEqual(1, server.RequestCount);
        Assert.AreEqual(head, repo.Head);
        Assert.AreEqual(before, repo.CheckoutHash());
        Assert.AreEqual(outsideBefore, TestRepo.TreeHash(repo.Outside));
        Assert.IsFalse(Directory.Exists(repo.PathOf("stray")));
        Assert.IsFalse(File.Exists(repo.PathOf("hello.txt")));
        var brief = JsonNode.Parse(File.ReadAllText(Directory.GetFiles(FactoryRuns(repo), "failure_brief.json", SearchOption.AllDirectories).Single()))!;
        Assert.AreEqual("E205", brief["code"]!.GetValue<string>());
    }

    // Finding: landing passed every touched path on one git command line; 3,000 long paths must not overflow argv.
    [TestMethod]
    public async Task A_work_order_writing_3000_allowed_files_lands_exactly_those_paths()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        var paths = Enumerable.Range(0, 3000).Select(i => $"bulk/{i:D4}-{new string('n', 180)}.txt").ToList();
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", new JsonObject
        {
            ["id"] = "WO-01", ["title"] = "Create 3000 files", ["intent"] = "Create every allowed file.",
            ["preconditions"] = new JsonArray(),
            ["postconditions"] = new JsonArray([.. paths.Select(p => (JsonNode)new JsonObject { ["kind"] = "file_exists", ["path"] = p })]),
            ["allowed_files"] = new JsonArray([.. paths.Select(p => (JsonNode)p)]),
            ["forbidden"] = new JsonArray(), ["acceptance_commands"] = new JsonArray($"test -f {paths[^1]}"), ["context_files"] = new JsonArray(),
            ["notes"] = null, ["verify_exempt"] = false,
        }.ToJsonString());
        var answer = WorkOrderFiles.Proposal([.. paths.Select(p => (p, Empty, $"content of {p[..9]}\n"))]);
        server.Responder = _ => ScriptedResponse.Completion(answer);
        var key = NewKey(out _);
        var baseline = repo.Head;

        var (exit, stdout, stderr) = await LlmcAsync(["run", .. Common(repo, server, key, wo, "--max-attempts", "1")]);

        Assert.AreEqual(0, exit, stdout + (stderr.Length > 20_000 ? stderr[..20_000] : stderr));
        StringAssert.Contains(stdout, "Verdict: PASS");
        AssertNoStackTrace(stdout + stderr, "run");
        Assert.AreEqual(baseline, repo.Git("rev-parse", "HEAD~1").Trim(), "exactly one commit on the baseline");
        var landed = repo.Git("diff-tree", "-r", "-z", "--no-commit-id", "--name-only", "HEAD").Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(paths.Order(StringComparer.Ordinal).ToList(), landed, $"the landed commit has {landed.Count} paths");
        Assert.AreEqual("content of bulk/0000\n", File.ReadAllText(repo.PathOf(paths[0])));
        Assert.AreEqual("content of bulk/2999\n", File.ReadAllText(repo.PathOf(paths[^1])));
        Assert.AreEqual("", repo.Git("status", "--porcelain"));
    }

    private static void AssertOneLineRefusal(string stderr, string names)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, $"one line expected:\n{stderr}");
        StringAssert.Contains(lines[0], names);
    }
}
