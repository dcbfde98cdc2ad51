using System.Text.RegularExpressions;
using LlmCompiler.Cli;
using LlmCompiler.Cli.Output;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory;
using LlmCompiler.Planning;
using LlmCompiler.Tests.Factory;
using LlmCompiler.Tests.Infrastructure;

namespace LlmCompiler.Tests.Cli;

/// <summary>
/// The command line behaves like the tools it sits beside (<c>dotnet</c>, <c>gh</c>): help when called bare, a
/// "did you mean" and a pointer to <c>--help</c> on a mistake, one spelling per option across commands, positional
/// plans, the repository found from where llmc runs, verbosity, colour only on a terminal, a run-all table with cost
/// and totals.
/// </summary>
[TestClass]
public sealed partial class CliConventionTests
{
    private const string Empty = LlmCompiler.Contracts.FileWrite.EmptySha256;

    private static Task<(int Exit, string Stdout, string Stderr)> Llmc(params string[] args) => InProcessLlmc.RunAsync(args);

    [TestMethod]
    public async Task Bare_llmc_prints_the_commands_and_succeeds()
    {
        var (exit, stdout, stderr) = await Llmc();

        Assert.AreEqual(0, exit, stderr);
        foreach (var command in new[] { "verify", "plan", "run", "run-all" }) StringAssert.Contains(stdout, "  " + command);
        Assert.AreEqual("", stderr);
    }

    [TestMethod]
    [DataRow("verfy", "unknown command 'verfy'; did you mean 'verify'?", "Run 'llmc --help' for usage.")]
    [DataRow("rnu-all", "unknown command 'rnu-all'; did you mean 'run-all'?", "Run 'llmc --help' for usage.")]
    [DataRow("run-all --repoo x", "unknown option '--repoo'; did you mean '--repo'?", "Run 'llmc run-all --help' for usage.")]
    [DataRow("verify --formt sarif plan", "unknown option '--formt'; did you mean '--format'?", "Run 'llmc verify --help' for usage.")]
    [DataRow("run --max-atempts 2 WO-01.json", "unknown option '--max-atempts'; did you mean '--max-attempts'?", "Run 'llmc run --help' for usage.")]
    [DataRow("plan", "Option '--spec' is required.", "Run 'llmc plan --help' for usage.")]
    [DataRow("frobnicate", "unknown command 'frobnicate'; the commands are verify, plan, run, run-all, land", "Run 'llmc --help' for usage.")]
    public async Task A_command_line_mistake_is_named_with_a_suggestion_and_points_at_help(string commandLine, string message, string hint)
    {
        var (exit, stdout, stderr) = await Llmc(commandLine.Split(' '));

        Assert.AreEqual(ExitCodes.Usage, exit);
        Assert.AreEqual("", stdout);
        var lines = stderr.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        CollectionAssert.AreEqual(new[] { "llmc: " + message, hint }, lines, stderr);
    }

    [TestMethod]
    public void Every_option_that_takes_a_value_shows_one_placeholder_style_and_is_spelt_alike_in_every_command()
    {
        var root = CliApp.BuildRootCommand(TextWriter.Null, TextWriter.Null);
        var seen = new Dictionary<string, (string Command, string? HelpName, string? Description)>(StringComparer.Ordinal);
        foreach (var command in root.Subcommands)
        {
            foreach (var option in command.Options.Where(o => o.ValueType != typeof(bool) && !o.Name.StartsWith("--help", StringComparison.Ordinal)))
            {
                Assert.IsNotNull(option.HelpName, $"{command.Name} {option.Name} has no placeholder");
                StringAssert.Matches(option.HelpName, PlaceholderStyle(), $"{command.Name} {option.Name}");
                if (seen.TryGetValue(option.Name, out var earlier))
                {
                    Assert.AreEqual(earlier.HelpName, option.HelpName, $"{option.Name}: '{earlier.Command}' and '{command.Name}' disagree on the placeholder");
                    if (option.Name != "--max-attempts" && option.Name != "--artifacts-dir" && option.Name != "--repo")
                    {
                        Assert.AreEqual(earlier.Description, option.Description, $"{option.Name}: '{earlier.Command}' and '{command.Name}' describe it differently");
                    }
                }
                else
                {
                    seen[option.Name] = (command.Name, option.HelpName, option.Description);
                }
            }
        }
        Assert.AreEqual("auto|live|record|replay", seen["--llm-mode"].HelpName);
        foreach (var name in new[] { "--model", "--endpoint", "--llm-mode", "--cassettes", "--max-cost-usd", "--max-tokens", "--price-table", "--network-timeout-seconds", "--call-deadline-seconds" })
        {
            foreach (var command in new[] { "plan", "run", "run-all" })
            {
                Assert.IsTrue(root.Subcommands.Single(c => c.Name == command).Options.Any(o => o.Name == name), $"llmc {command} lacks {name}");
            }
        }
    }

    [GeneratedRegex(@"^([A-Z][A-Z_]*|[a-z]+(\|[a-z]+)+)$")]
    private static partial Regex PlaceholderStyle();

    [TestMethod]
    public async Task Plan_and_run_default_to_the_same_number_of_attempts_and_say_so_in_their_help()
    {
        Assert.AreEqual(new PlanCompileOptions { SpecPath = "", OutDir = "" }.MaxAttempts, new FactoryOptions().MaxAttempts);
        foreach (var command in new[] { "plan", "run", "run-all" })
        {
            var (exit, stdout, _) = await Llmc(command, "--help");
            Assert.AreEqual(0, exit);
            StringAssert.Matches(stdout, new Regex(@"--max-attempts <N>\s+.*\[default: 3\]"), command);
        }
    }

    [TestMethod]
    public async Task Without_a_plan_argument_run_all_and_verify_name_the_default_folder_they_looked_for()
    {
        using var empty = new TempDirectory();
        var process = await LlmcProcess.RunAsync(empty.Path, new Dictionary<string, string?>(), "run-all");
        var verify = await LlmcProcess.RunAsync(empty.Path, new Dictionary<string, string?>(), "verify");

        Assert.AreEqual(FactoryExitCodes.Fail, process.ExitCode, process.ToString());
        StringAssert.Contains(process.Stderr, "no plan given and ./workorders does not exist");
        Assert.AreEqual(ExitCodes.Usage, verify.ExitCode, verify.ToString());
        StringAssert.Contains(verify.Stderr, "no plan given and ./workorders does not exist");
    }

    [TestMethod]
    public async Task Run_all_finds_the_repository_from_the_current_directory_and_the_plan_folder_by_position()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n")));
        FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var env = new Dictionary<string, string?> { ["LLMC_CLI_TEST_KEY"] = "sk-CANARY-cli" };
        var plan = Path.Combine(repo.Base, "plan");

        // The plan sits outside the repository, so the repository is the one llmc was started in (a subfolder of it).
        Directory.CreateDirectory(repo.PathOf("src"));
        var result = await LlmcProcess.RunAsync(repo.PathOf("src"), env,
            "run-all", plan, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", "LLMC_CLI_TEST_KEY", "--model", "loopback", "--sandbox", "off");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("hello\n", File.ReadAllText(repo.PathOf("hello.txt")));
        Assert.AreEqual("WO-01: Create hello.txt", repo.Git("log", "-1", "--format=%s").Trim());
    }

    [TestMethod]
    public async Task Run_of_a_landed_work_order_is_done_without_a_model_call_and_force_runs_it_again()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        var content = "hello 1\n";
        server.Responder = request => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, content)));
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var key = Key();
        string[] Common(params string[] more) => ["run", wo, "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback", "--sandbox", "off", .. more];

        var (first, _, stderr1) = await Llmc(Common());
        var landed = repo.Head;
        var (second, stdout2, stderr2) = await Llmc(Common());

        Assert.AreEqual(0, first, stderr1);
        Assert.AreEqual(0, second, stderr2);
        Assert.AreEqual(1, server.RequestCount, "a landed work order is not paid for twice");
        StringAssert.Contains(stdout2, $"WO-01 already landed in {landed[..12]}; skipped");
        StringAssert.Contains(stdout2, "Verdict: DONE");
        Assert.AreEqual(landed, repo.Head);

        // Undo the work (git revert): the trailer is still in history but its file is gone, so a plain run refuses
        // (E219) instead of calling it done, and --force runs it again.
        repo.Git("revert", "--no-edit", "HEAD");
        var (refused, stdout3, _) = await Llmc(Common());
        Assert.AreEqual(FactoryExitCodes.Fail, refused);
        StringAssert.Contains(stdout3, "E219");
        Assert.AreEqual(1, server.RequestCount);

        var (forced, stdout4, stderr4) = await Llmc(Common("--force"));
        Assert.AreEqual(0, forced, stdout4 + stderr4);
        Assert.AreEqual("PASS", Verdict(stdout4));
        Assert.AreEqual(2, server.RequestCount);
        Assert.AreEqual(content, File.ReadAllText(repo.PathOf("hello.txt")));
    }

    private static string Verdict(string stdout) => Regex.Match(stdout, "Verdict: (\\S+)").Groups[1].Value;

    [TestMethod]
    public async Task Run_all_prints_a_table_with_cost_totals_and_the_commit_of_work_already_landed()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request =>
        {
            var n = Regex.Match(request.MessageContents[^1], @"Work order WO-0(\d)").Groups[1].Value;
            return ScriptedResponse.Completion(WorkOrderFiles.Proposal(($"f{n}.txt", Empty, $"hello {n}\n")));
        };
        var prices = Path.Combine(repo.Base, "prices.json");
        File.WriteAllText(prices, """{"models": {"loopback": {"input_per_million": 1.0, "output_per_million": 2.0}}}""");
        FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "f1.txt", "grep -q hello f1.txt"));
        var key = Key();
        string[] Common(params string[] more) => ["run-all", Path.Combine(repo.Base, "plan"), "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback", "--sandbox", "off", "--price-table", prices, .. more];
        var (first, _, stderr1) = await Llmc(Common());
        var wo1Commit = repo.Head;
        FactoryEndToEndTests.Plan(repo, "WO-02", WorkOrderFiles.Compact("WO-02", "f2.txt", "grep -q hello f2.txt"));

        var (exit, stdout, stderr) = await Llmc(Common());

        Assert.AreEqual(0, first, stderr1);
        Assert.AreEqual(0, exit, stderr);
        var table = stdout[stdout.IndexOf("Work order", StringComparison.Ordinal)..].Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        StringAssert.Matches(table[0], new Regex(@"^Work order\s+Verdict\s+Attempts\s+Seconds\s+Tokens\s+Cost\s+Commit / run$"));
        StringAssert.Matches(table[1], new Regex($@"^WO-01\s+DONE\s+0\s+0\.0\s+0\s+\$0\.0000\s+{wo1Commit[..12]}$"));
        // 100 input and 20 output tokens at $1 and $2 per million.
        StringAssert.Matches(table[2], new Regex($@"^WO-02\s+PASS\s+1\s+\d+\.\d\s+120\s+\$0\.0001\s+{repo.Head[..12]}$"));
        StringAssert.Matches(table[3], new Regex(@"^Total\s+1 landed\s+1\s+\d+\.\d\s+120\s+\$0\.0001$"));
        StringAssert.Contains(stdout, "Result: PASS (exit 0)");
    }

    [TestMethod]
    public async Task A_usd_budget_for_a_model_without_a_price_is_refused_before_any_call_and_unknown_cost_is_printed_as_unknown()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = _ => ScriptedResponse.Completion(WorkOrderFiles.Proposal(("hello.txt", Empty, "hello\n")));
        var wo = FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "hello.txt", "grep -q hello hello.txt"));
        var key = Key();
        string[] Common(params string[] more) => ["run", wo, "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "my-azure-deployment", "--sandbox", "off", .. more];
        var before = repo.Head;

        var (budgeted, stdout1, stderr1) = await Llmc(Common("--max-cost-usd", "0.000001"));

        Assert.AreNotEqual(0, budgeted);
        StringAssert.Contains(stderr1, "E306");
        StringAssert.Contains(stderr1, "my-azure-deployment");
        Assert.AreEqual(0, server.RequestCount, "no call is made when the budget cannot be enforced");
        Assert.AreEqual(before, repo.Head);

        var (unbudgeted, stdout2, stderr2) = await Llmc(Common());
        Assert.AreEqual(0, unbudgeted, stdout2 + stderr2);
        StringAssert.Contains(stdout2, "cost unknown");
        Assert.IsFalse(stdout2.Contains("$0.0000", StringComparison.Ordinal), stdout2);
        _ = stdout1;
    }

    [TestMethod]
    public async Task Quiet_prints_no_progress_and_verbose_names_the_endpoint_and_ledger()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request => ScriptedResponse.Completion(WorkOrderFiles.Proposal(($"f{request.Number}.txt", Empty, "hello\n")));
        var key = Key();
        string[] Common(string wo, params string[] more) => ["run", wo, "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback", "--sandbox", "off", .. more];

        var (quietExit, quietOut, quietErr) = await Llmc(Common(FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "f1.txt", "grep -q hello f1.txt")), "--quiet"));
        var (verboseExit, _, verboseErr) = await Llmc(Common(FactoryEndToEndTests.Plan(repo, "WO-02", WorkOrderFiles.Compact("WO-02", "f2.txt", "grep -q hello f2.txt")), "--verbose"));

        Assert.AreEqual(0, quietExit, quietErr);
        foreach (var line in quietErr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            StringAssert.Matches(line, new Regex(@"^llmc: (warning|error) [WE]\d{3}: "), "quiet: nothing but diagnostics on stderr");
        }
        Assert.IsFalse(quietErr.Contains("asking the model", StringComparison.Ordinal), quietErr);
        StringAssert.Contains(quietOut, "Verdict: PASS");
        Assert.AreEqual(0, verboseExit, verboseErr);
        StringAssert.Contains(verboseErr, "llmc: WO-02 attempt 1/3: asking the model");
        StringAssert.Contains(verboseErr, $"endpoint {server.BaseUrl.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)}");
        StringAssert.Contains(verboseErr, "ledger ");
        StringAssert.Contains(verboseErr, "artifacts in ");
    }

    [TestMethod]
    public async Task The_artifacts_option_has_one_name_in_every_command_and_run_keeps_out_as_an_alias()
    {
        using var repo = FactoryEndToEndTests.NewRepo();
        await using var server = await LoopbackLlmServer.StartAsync();
        server.Responder = request => ScriptedResponse.Completion(WorkOrderFiles.Proposal(($"f{request.Number}.txt", Empty, "hello\n")));
        var key = Key();
        string[] Common(string wo, params string[] more) => ["run", wo, "--repo", repo.Root, "--endpoint", server.BaseUrl.ToString(), "--api-key-env", key, "--model", "loopback", "--sandbox", "off", .. more];
        var a = Path.Combine(repo.Base, "a");
        var b = Path.Combine(repo.Base, "b");

        var (exitA, _, errA) = await Llmc(Common(FactoryEndToEndTests.Plan(repo, "WO-01", WorkOrderFiles.Compact("WO-01", "f1.txt", "grep -q hello f1.txt")), "--artifacts-dir", a));
        var (exitB, _, errB) = await Llmc(Common(FactoryEndToEndTests.Plan(repo, "WO-02", WorkOrderFiles.Compact("WO-02", "f2.txt", "grep -q hello f2.txt")), "--out", b));

        Assert.AreEqual(0, exitA, errA);
        Assert.AreEqual(0, exitB, errB);
        Assert.HasCount(1, Directory.GetFiles(a, "run_summary.json", SearchOption.AllDirectories));
        Assert.HasCount(1, Directory.GetFiles(b, "run_summary.json", SearchOption.AllDirectories));
        var plan = CliApp.BuildRootCommand(TextWriter.Null, TextWriter.Null).Subcommands.Single(c => c.Name == "plan");
        Assert.IsTrue(plan.Options.Any(o => o.Name == "--artifacts-dir"));
    }

    [TestMethod]
    public void Colour_is_used_on_a_terminal_only_and_never_with_NO_COLOR_or_a_dumb_terminal()
    {
        Func<string, string?> none = _ => null;
        Assert.IsTrue(TerminalStyle.For(redirected: false, none).Enabled);
        Assert.IsFalse(TerminalStyle.For(redirected: true, none).Enabled);
        Assert.IsFalse(TerminalStyle.For(redirected: false, n => n == "NO_COLOR" ? "1" : null).Enabled);
        Assert.IsTrue(TerminalStyle.For(redirected: false, n => n == "NO_COLOR" ? "" : null).Enabled, "NO_COLOR counts only when non-empty");
        Assert.IsFalse(TerminalStyle.For(redirected: false, n => n == "TERM" ? "dumb" : null).Enabled);

        var stderr = new StringWriter();
        var coloured = new CliOutput(TextWriter.Null, stderr, TerminalStyle.Plain, TerminalStyle.For(false, none));
        coloured.Report(DiagnosticCatalog.Create("E201", "dirty"));
        coloured.Report(DiagnosticCatalog.Create("E201", "dirty"));
        Assert.AreEqual("\u001b[31mllmc: error E201: dirty\u001b[0m" + Environment.NewLine, stderr.ToString(), "red, and reported once");
        Assert.AreEqual("PASS", TerminalStyle.Plain.Verdict("PASS"));
    }

    [TestMethod]
    public async Task A_diagnostic_printed_as_progress_is_not_printed_again_in_the_summary()
    {
        var stderr = new StringWriter();
        var output = new CliOutput(TextWriter.Null, stderr, TerminalStyle.Plain, TerminalStyle.Plain);
        var warning = DiagnosticCatalog.Create("W217", "commands run without a sandbox");
        await output.Progress.WriteLineAsync(warning.ToCanonicalString());
        output.Report([warning]);

        Assert.AreEqual(1, Regex.Matches(stderr.ToString(), "W217").Count, stderr.ToString());
    }

    private static string Key() => InProcessLlmc.CanaryKey("LLMC_CLI_KEY_");
}
