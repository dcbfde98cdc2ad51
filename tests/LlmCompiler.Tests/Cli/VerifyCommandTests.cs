using System.Text.Json;
using LlmCompiler.Diagnostics;
using static LlmCompiler.Tests.Cli.PlanFixtures;

namespace LlmCompiler.Tests.Cli;

[TestClass]
public sealed class VerifyCommandTests
{
    private static readonly string TitleIsNumber = ReplaceOnce(ValidManifest, Wo02Title, "42");
    private static readonly string TypoKey = ReplaceOnce(ValidManifest, Wo01Forbidden, "\"forbiden\": {}, " + Wo01Forbidden);

    [TestMethod]
    public async Task Valid_manifest_exits_zero_prints_no_diagnostics()
    {
        using var dir = new TempDirectory();
        var plan = dir.Write("plan.json", ValidManifest);

        var run = await CliRun.RunAsync("verify", plan);

        Assert.AreEqual(0, run.ExitCode, run.Stdout + run.Stderr);
        Assert.AreEqual("", run.Stdout);
        Assert.AreEqual("0 error(s), 0 warning(s)", run.Stderr.Trim());
    }

    [TestMethod]
    public async Task Error_exits_two_with_canonical_line_at_the_offending_value()
    {
        using var dir = new TempDirectory();
        var plan = dir.Write("plan.json", TitleIsNumber);
        var (line, column) = WorkOrderFiles.PositionOf(TitleIsNumber, "42");

        var run = await CliRun.RunAsync("verify", plan);

        Assert.AreEqual(2, run.ExitCode);
        var expectedPrefix = $"{plan}({line},{column}): error E005: ";
        var hit = run.StdoutLines.SingleOrDefault(l => l.StartsWith(expectedPrefix, StringComparison.Ordinal));
        Assert.IsNotNull(hit, $"no line starting with '{expectedPrefix}' in:\n{run.Stdout}");
        Assert.EndsWith(" [WO-02]", hit);
        Assert.Contains("title", hit);
        Assert.AreEqual("1 error(s), 0 warning(s)", run.Stderr.Trim());
    }

    [TestMethod]
    public async Task Chain_error_points_at_the_precondition_element()
    {
        // WO-02 now needs a file nothing creates: E101 at that precondition element of WO-02.
        var text = ReplaceOnce(ValidManifest,
            "\"preconditions\": [{\"kind\": \"file_exists\", \"path\": \"src/Calc/Calc.csproj\"}]",
            "\"preconditions\": [{\"kind\": \"file_exists\", \"path\": \"src/Calc/Missing.cs\"}]");
        using var dir = new TempDirectory();
        var plan = dir.Write("plan.json", text);
        var (line, column) = WorkOrderFiles.PositionOf(text, "{\"kind\": \"file_exists\", \"path\": \"src/Calc/Missing.cs\"}");

        var run = await CliRun.RunAsync("verify", plan);

        Assert.AreEqual(2, run.ExitCode, run.Stdout);
        var hit = run.StdoutLines.Single();
        Assert.StartsWith($"{plan}({line},{column}): error E101: ", hit);
        Assert.Contains("src/Calc/Missing.cs", hit);
        Assert.EndsWith(" [WO-02]", hit);
    }

    [TestMethod]
    public async Task Repo_files_of_the_repository_satisfy_preconditions()
    {
        // WO-01 demands that src/Calc/Calc.csproj is absent: true for an empty repo, false once the repo has it.
        using var dir = new TempDirectory();
        var plan = dir.Write("plan.json", ValidManifest);
        var repo = Path.Combine(dir.Path, "repo");
        Directory.CreateDirectory(repo);
        TestRepo.Run(repo, "git", "init", "-q");
        dir.Write("repo/src/Calc/Calc.csproj", "<Project />");
        dir.Write("repo/README.md", "x");

        var empty = await CliRun.RunAsync("verify", plan);
        var withRepo = await CliRun.RunAsync("verify", plan, "--repo", repo, "--format", "json");

        Assert.AreEqual(0, empty.ExitCode, empty.Stdout);
        Assert.AreEqual(2, withRepo.ExitCode, withRepo.Stdout);
        using var doc = JsonDocument.Parse(withRepo.Stdout);
        var d = doc.RootElement.GetProperty("diagnostics").EnumerateArray().Single();
        Assert.AreEqual("E101", d.GetProperty("code").GetString());
        Assert.AreEqual("WO-01", d.GetProperty("woId").GetString());
        Assert.AreEqual("preconditions[0]", d.GetProperty("field").GetString());
    }

    [TestMethod]
    public async Task Repo_landed_work_order_is_judged_from_the_tree_before_it()
    {
        // WO-01's file_absent precondition is false in today's working tree only because WO-01 itself landed.
        using var dir = new TempDirectory();
        var plan = dir.Write("plan.json", ValidManifest);
        var repo = Path.Combine(dir.Path, "repo");
        Directory.CreateDirectory(repo);
        TestRepo.Run(repo, "git", "init", "-q", "-b", "main");
        dir.Write("repo/README.md", "x");
        TestRepo.Run(repo, "git", "add", "-A");
        TestRepo.Run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "initial");
        dir.Write("repo/src/Calc/Calc.csproj", "<Project />");
        dir.Write("repo/src/Calc/Adder.cs", "class Adder {}");

        var byHand = await CliRun.RunAsync("verify", plan, "--repo", repo, "--format", "json");
        TestRepo.Run(repo, "git", "add", "-A");
        TestRepo.Run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "WO-01: Library project\n\nWork-Order: WO-01");
        var landed = await CliRun.RunAsync("verify", plan, "--repo", repo, "--format", "json");
        // Paths in a plan are repository-relative, so a subdirectory means its repository.
        var fromSubdirectory = await CliRun.RunAsync("verify", plan, "--repo", Path.Combine(repo, "src"), "--format", "json");

        Assert.AreEqual(2, byHand.ExitCode, byHand.Stdout);
        Assert.Contains("E101", byHand.Stdout);
        Assert.AreEqual(0, landed.ExitCode, landed.Stdout + landed.Stderr);
        Assert.AreEqual(0, fromSubdirectory.ExitCode, fromSubdirectory.Stdout + fromSubdirectory.Stderr);
    }

    [TestMethod]
    public async Task Verify_exempt_is_recomputed_not_taken_from_the_plan()
    {
        // The LLM claims WO-02 is exempt; the contract's requirement only exists after WO-02, so only WO-01 is.
        var text = ReplaceOnce(ValidManifest, "\"notes\": \"Use MSTest.\"", "\"notes\": \"Use MSTest.\", \"verify_exempt\": true");
        using var dir = new TempDirectory();
        var plan = dir.Write("plan.json", text);

        var run = await CliRun.RunAsync("verify", plan, "--format", "json");

        Assert.AreEqual(0, run.ExitCode, run.Stdout);
        using var doc = JsonDocument.Parse(run.Stdout);
        var exempt = doc.RootElement.GetProperty("verifyExempt");
        Assert.IsTrue(exempt.GetProperty("WO-01").GetBoolean());
        Assert.IsFalse(exempt.GetProperty("WO-02").GetBoolean());
    }

    [TestMethod]
    public async Task Text_kit_sample_verifies_clean_as_the_readme_shows()
    {
        var root = SourceTree.Root;
        var plan = Path.Combine(root, "samples", "TextKit", "transcript", "planner", "attempt-1.json");

        var run = await CliRun.RunAsync("verify", plan, "--repo", Path.Combine(root, "samples", "TextKit", "product"), "--format", "json", "--warnaserror");

        Assert.AreEqual(0, run.ExitCode, run.Stdout);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.AreEqual(0, doc.RootElement.GetProperty("diagnostics").GetArrayLength());
        CollectionAssert.AreEqual(
            new[] { "WO-01:True", "WO-02:False", "WO-03:False", "WO-04:False" },
            doc.RootElement.GetProperty("verifyExempt").EnumerateObject().Select(p => $"{p.Name}:{p.Value.GetBoolean()}").ToArray());
    }

    [TestMethod]
    public async Task Relative_path_stays_relative_in_every_format()
    {
        using var dir = new TempDirectory();
        var full = dir.Write("plan.json", TitleIsNumber);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        Assert.IsFalse(Path.IsPathRooted(relative), "temp folder must be reachable relatively for this test");

        var text = await CliRun.RunAsync("verify", relative);
        var json = await CliRun.RunAsync("verify", relative, "--format", "json");

        Assert.StartsWith(relative + "(", text.StdoutLines.Single());
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.AreEqual(relative, doc.RootElement.GetProperty("diagnostics")[0].GetProperty("file").GetString());
    }

    [TestMethod]
    public async Task Warning_only_exits_zero_and_warn_as_error_makes_it_two()
    {
        using var dir = new TempDirectory();
        var plan = dir.Write("plan.json", TypoKey);
        var (line, column) = WorkOrderFiles.PositionOf(TypoKey, "{}");

        var lenient = await CliRun.RunAsync("verify", plan);
        var strict = await CliRun.RunAsync("verify", plan, "--warnaserror");

        Assert.AreEqual(0, lenient.ExitCode, lenient.Stdout);
        Assert.StartsWith($"{plan}({line},{column}): warning W102: ", lenient.StdoutLines.Single());
        Assert.AreEqual("0 error(s), 1 warning(s)", lenient.Stderr.Trim());

        Assert.AreEqual(2, strict.ExitCode, strict.Stdout);
        Assert.StartsWith($"{plan}({line},{column}): error W102: ", strict.StdoutLines.Single());
        Assert.AreEqual("1 error(s), 0 warning(s)", strict.Stderr.Trim());
    }

    [TestMethod]
    public async Task Missing_path_exits_one_with_one_line_message()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "nope.json");

        var run = await CliRun.RunAsync("verify", missing);

        Assert.AreEqual(1, run.ExitCode);
        Assert.AreEqual("", run.Stdout);
        var message = run.Stderr.TrimEnd('\r', '\n');
        Assert.DoesNotContain("\n", message, "one line only");
        Assert.Contains(missing, message);
        Assert.StartsWith("llmc verify: ", message);
    }

    [TestMethod]
    public async Task Unreadable_work_order_file_exits_one_with_one_line_message()
    {
        // A dangling symlink is listed as WO-02.json but cannot be opened (permissions do not stop root).
        using var dir = new TempDirectory();
        dir.Write("plan/WO-01.json", "{}");
        var dangling = Path.Combine(dir.Path, "plan", "WO-02.json");
        File.CreateSymbolicLink(dangling, Path.Combine(dir.Path, "gone.json"));

        var run = await CliRun.RunAsync("verify", Path.Combine(dir.Path, "plan"));

        Assert.AreEqual(1, run.ExitCode, run.Stdout);
        Assert.AreEqual("", run.Stdout);
        var message = run.Stderr.TrimEnd('\r', '\n');
        Assert.DoesNotContain("\n", message);
        Assert.StartsWith("llmc verify: cannot read ", message);
        Assert.Contains("WO-02.json", message);
    }

    [TestMethod]
    public async Task Missing_repo_directory_exits_one()
    {
        using var dir = new TempDirectory();
        var plan = dir.Write("plan.json", ValidManifest);
        var repo = Path.Combine(dir.Path, "no-such-repo");

        var run = await CliRun.RunAsync("verify", plan, "--repo", repo);

        Assert.AreEqual(1, run.ExitCode);
        Assert.AreEqual("", run.Stdout);
        Assert.Contains(repo, run.Stderr);
    }

    [TestMethod]
    [DataRow("verify")]
    [DataRow("verify", "a.json", "--format", "xml")]
    [DataRow("verify", "a.json", "--no-such-option")]
    public async Task Usage_errors_exit_one(params string[] args)
    {
        var run = await CliRun.RunAsync(args);

        Assert.AreEqual(1, run.ExitCode);
        Assert.AreEqual("", run.Stdout);
        Assert.IsFalse(string.IsNullOrWhiteSpace(run.Stderr));
        Assert.DoesNotContain("   at ", run.Stderr, "no stack trace");
    }

    [TestMethod]
    public async Task Invalid_json_is_an_E000_with_position_not_an_io_error()
    {
        using var dir = new TempDirectory();
        var plan = dir.Write("plan.json", "{\n  \"work_orders\": [\n    {\"id\": \"WO-01\",,}\n  ]\n}\n");

        var run = await CliRun.RunAsync("verify", plan);

        Assert.AreEqual(2, run.ExitCode);
        Assert.StartsWith($"{plan}(3,", run.StdoutLines.Single());
        Assert.Contains(": error E000: ", run.StdoutLines.Single());
    }

    [TestMethod]
    public async Task Directory_plan_reports_the_work_order_file_and_position()
    {
        using var dir = new TempDirectory();
        using var manifest = JsonDocument.Parse(TitleIsNumber);
        var workOrders = manifest.RootElement.GetProperty("work_orders");
        var indented = new JsonSerializerOptions { WriteIndented = true };
        dir.Write("plan/WO-01.json", JsonSerializer.Serialize(workOrders[0], indented));
        var wo02 = JsonSerializer.Serialize(workOrders[1], indented);
        var wo02Path = dir.Write("plan/WO-02.json", wo02);
        dir.Write("plan/WORK_ORDERS_MANIFEST.json", ValidManifest);
        var (line, column) = WorkOrderFiles.PositionOf(wo02, "42");

        var run = await CliRun.RunAsync("verify", Path.Combine(dir.Path, "plan"), "--format", "json");

        Assert.AreEqual(2, run.ExitCode, run.Stdout);
        using var doc = JsonDocument.Parse(run.Stdout);
        var d = doc.RootElement.GetProperty("diagnostics").EnumerateArray().Single();
        Assert.AreEqual("E005", d.GetProperty("code").GetString());
        Assert.AreEqual("WO-02", d.GetProperty("woId").GetString());
        Assert.AreEqual("title", d.GetProperty("field").GetString());
        Assert.AreEqual(wo02Path, d.GetProperty("file").GetString());
        Assert.AreEqual(line, d.GetProperty("line").GetInt32());
        Assert.AreEqual(column, d.GetProperty("column").GetInt32());
        var exempt = doc.RootElement.GetProperty("verifyExempt");
        CollectionAssert.AreEqual(new[] { "WO-01", "WO-02" }, exempt.EnumerateObject().Select(p => p.Name).ToArray());
    }

    [TestMethod]
    public async Task Empty_directory_is_an_E000()
    {
        using var dir = new TempDirectory();

        var run = await CliRun.RunAsync("verify", dir.Path);

        Assert.AreEqual(2, run.ExitCode);
        Assert.Contains("error E000: ", run.StdoutLines.Single());
    }

    [TestMethod]
    public async Task Json_format_has_exactly_the_documented_shape()
    {
        using var dir = new TempDirectory();
        var text = ReplaceOnce(TypoKey, Wo02Title, "42");
        var plan = dir.Write("plan.json", text);

        var run = await CliRun.RunAsync("verify", plan, "--format", "json");

        Assert.AreEqual(2, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        CollectionAssert.AreEqual(new[] { "diagnostics", "verifyExempt", "schedule" }, root.EnumerateObject().Select(p => p.Name).ToArray());
        // A plan without depends_on runs one work order after the other: one per layer.
        Assert.AreEqual("[[\"WO-01\"],[\"WO-02\"]]", System.Text.Json.JsonSerializer.Serialize(root.GetProperty("schedule").GetProperty("layers")));
        var diagnostics = root.GetProperty("diagnostics").EnumerateArray().ToList();
        Assert.HasCount(2, diagnostics);
        foreach (var d in diagnostics)
        {
            CollectionAssert.AreEqual(
                new[] { "code", "severity", "woId", "field", "message", "file", "line", "column" },
                d.EnumerateObject().Select(p => p.Name).ToArray());
        }
        // Errors come before warnings (§2.1 order).
        Assert.AreEqual("E005", diagnostics[0].GetProperty("code").GetString());
        Assert.AreEqual("error", diagnostics[0].GetProperty("severity").GetString());
        Assert.AreEqual("W102", diagnostics[1].GetProperty("code").GetString());
        Assert.AreEqual("warning", diagnostics[1].GetProperty("severity").GetString());
        Assert.AreEqual("WO-01", diagnostics[1].GetProperty("woId").GetString());
        Assert.AreEqual("forbiden", diagnostics[1].GetProperty("field").GetString());
        var (line, column) = WorkOrderFiles.PositionOf(text, "{}");
        Assert.AreEqual(line, diagnostics[1].GetProperty("line").GetInt32());
        Assert.AreEqual(column, diagnostics[1].GetProperty("column").GetInt32());
        foreach (var p in root.GetProperty("verifyExempt").EnumerateObject())
        {
            Assert.IsTrue(p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False);
        }
    }

    [TestMethod]
    public async Task Sarif_format_is_well_formed_sarif210()
    {
        using var dir = new TempDirectory();
        var text = ReplaceOnce(TypoKey, Wo02Title, "42");
        var full = dir.Write("my plans/plan.json", text);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);

        var run = await CliRun.RunAsync("verify", relative, "--format", "sarif", "--warnaserror");

        Assert.AreEqual(2, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.AreEqual("2.1.0", root.GetProperty("version").GetString());
        Assert.Contains("sarif", root.GetProperty("$schema").GetString()!);
        var sarifRun = root.GetProperty("runs").EnumerateArray().Single();
        var driver = sarifRun.GetProperty("tool").GetProperty("driver");
        Assert.AreEqual("llmc", driver.GetProperty("name").GetString());
        Assert.IsFalse(string.IsNullOrEmpty(driver.GetProperty("version").GetString()));
        Assert.IsFalse(driver.TryGetProperty("informationUri", out _), "the project has no public home to link to yet");

        var rules = driver.GetProperty("rules").EnumerateArray().ToList();
        CollectionAssert.AreEqual(
            DiagnosticCatalog.Descriptors.Select(d => d.Code).ToArray(),
            rules.Select(r => r.GetProperty("id").GetString()).ToArray());
        foreach (var rule in rules)
        {
            var code = rule.GetProperty("id").GetString()!;
            Assert.IsFalse(string.IsNullOrEmpty(rule.GetProperty("name").GetString()));
            Assert.AreEqual(DiagnosticCatalog.Get(code).Title, rule.GetProperty("shortDescription").GetProperty("text").GetString());
            Assert.IsFalse(rule.TryGetProperty("helpUri", out _), $"{code}: the help is inline; no link that would not resolve");
            Assert.IsFalse(string.IsNullOrWhiteSpace(rule.GetProperty("fullDescription").GetProperty("text").GetString()), code);
            Assert.IsFalse(string.IsNullOrWhiteSpace(rule.GetProperty("help").GetProperty("text").GetString()), code);
            Assert.IsFalse(string.IsNullOrWhiteSpace(rule.GetProperty("help").GetProperty("markdown").GetString()), code);
            var level = rule.GetProperty("defaultConfiguration").GetProperty("level").GetString();
            Assert.IsTrue(level is "error" or "warning" or "note", level);
        }

        var results = sarifRun.GetProperty("results").EnumerateArray().ToList();
        Assert.HasCount(2, results);
        var expectedUri = string.Join('/', relative.Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString));
        Assert.Contains("my%20plans/plan.json", expectedUri);
        foreach (var result in results)
        {
            var ruleId = result.GetProperty("ruleId").GetString();
            Assert.AreEqual(ruleId, rules[result.GetProperty("ruleIndex").GetInt32()].GetProperty("id").GetString());
            Assert.AreEqual("error", result.GetProperty("level").GetString(), "--warnaserror promotes W102");
            Assert.IsFalse(string.IsNullOrEmpty(result.GetProperty("message").GetProperty("text").GetString()));
            var physical = result.GetProperty("locations")[0].GetProperty("physicalLocation");
            Assert.AreEqual(expectedUri, physical.GetProperty("artifactLocation").GetProperty("uri").GetString());
            Assert.IsTrue(Uri.IsWellFormedUriString(expectedUri, UriKind.Relative));
            var region = physical.GetProperty("region");
            var marker = ruleId == "W102" ? "{}" : "42";
            var (line, column) = WorkOrderFiles.PositionOf(text, marker);
            Assert.AreEqual(line, region.GetProperty("startLine").GetInt32());
            Assert.AreEqual(column, region.GetProperty("startColumn").GetInt32());
            var properties = result.GetProperty("properties");
            Assert.AreEqual(ruleId == "W102" ? "WO-01" : "WO-02", properties.GetProperty("woId").GetString());
            Assert.AreEqual(ruleId == "W102" ? "forbiden" : "title", properties.GetProperty("field").GetString());
        }
        var baseUri = sarifRun.GetProperty("originalUriBaseIds").GetProperty("%SRCROOT%").GetProperty("uri").GetString()!;
        Assert.EndsWith("/", baseUri);
        Assert.IsTrue(Uri.IsWellFormedUriString(baseUri, UriKind.Absolute));

        var again = await CliRun.RunAsync("verify", relative, "--format", "sarif", "--warnaserror");
        Assert.AreEqual(run.Stdout, again.Stdout, "two runs on the same plan must print the same bytes");
    }
}
