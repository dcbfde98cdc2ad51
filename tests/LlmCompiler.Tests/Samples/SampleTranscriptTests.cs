using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Validation;

namespace LlmCompiler.Tests.Samples;

/// <summary>
/// Guards the hand-written TextKit transcript (samples/TextKit/transcript) that the demo's cassettes are recorded
/// from: the planner answer must bind through the contract, and replaying the executor answers in plan order over
/// the sample product must meet every base hash, scope rule and condition the factory checks. A broken answer
/// would otherwise only show up as a failed demo, long after the edit that broke it.
/// </summary>
[TestClass]
public sealed class SampleTranscriptTests
{
    private static readonly string SampleDir = Path.Combine(SourceTree.Root, "samples", "TextKit");
    private static readonly string ProductDir = Path.Combine(SampleDir, "product");
    private static readonly string PlannerAnswerPath = Path.Combine(SampleDir, "transcript", "planner", "attempt-1.json");

    private static readonly string[] WorkOrderFields =
    [
        "id", "title", "intent", "preconditions", "postconditions", "allowed_files", "forbidden",
        "acceptance_commands", "context_files", "notes",
    ];

    [TestMethod]
    public void Planner_answer_binds_through_the_contract_without_diagnostics()
    {
        var plan = ReadPlan();

        var diagnostics = plan.DocumentDiagnostics.Concat(plan.WorkOrders.SelectMany(w => w.ShapeDiagnostics)).ToList();
        Assert.IsEmpty(diagnostics, string.Join(Environment.NewLine, diagnostics));
        CollectionAssert.AreEqual(new[] { "WO-01", "WO-02", "WO-03", "WO-04" }, plan.WorkOrders.Select(w => w.Value.Id).ToArray());
        Assert.IsNotNull(plan.VerifyContract);
        Assert.AreEqual("dotnet test tests/TextKit.Tests/TextKit.Tests.csproj", plan.VerifyContract.Value.Command);
    }

    [TestMethod]
    public void Planner_answer_passes_the_plan_validator_against_the_product_listing_with_only_WO01_verify_exempt()
    {
        var options = new ValidationOptions { RepoFiles = ListProduct().Keys.ToHashSet(StringComparer.Ordinal) };

        var result = PlanValidator.Validate(ReadPlan(), options);

        // No warnings either: a capable model's plan should not need a W101 or W102 excused.
        Assert.IsEmpty(result.Diagnostics, string.Join(Environment.NewLine, result.Diagnostics));
        var expectedExempt = new Dictionary<string, bool> { ["WO-01"] = true, ["WO-02"] = false, ["WO-03"] = false, ["WO-04"] = false };
        CollectionAssert.AreEquivalent(expectedExempt.ToList(), result.VerifyExempt.ToList());
    }

    [TestMethod]
    public void Planner_answer_uses_exactly_the_work_order_fields_a_model_is_asked_for()
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(PlannerAnswerPath));
        CollectionAssert.AreEqual(
            new[] { "system_overview", "verify_contract", "work_orders" },
            json.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        foreach (var wo in json.RootElement.GetProperty("work_orders").EnumerateArray())
        {
            // verify_exempt in particular must be absent: the planner computes it and never trusts the model's.
            CollectionAssert.AreEqual(WorkOrderFields, wo.EnumerateObject().Select(p => p.Name).ToArray(), wo.GetProperty("id").GetString());
        }
    }

    [TestMethod]
    public void Planner_answer_shows_the_executor_every_allowed_file_and_keeps_commands_shell_free()
    {
        var plan = ReadPlan();
        var verify = plan.VerifyContract!.Value.Command;
        foreach (var wo in plan.WorkOrders.Select(w => w.Value))
        {
            // The executor only gets a base hash for files in context_files, so an allowed file missing there
            // could never be edited.
            CollectionAssert.IsSubsetOf(wo.AllowedFiles.ToList(), wo.ContextFiles.ToList(), wo.Id);
            Assert.IsLessThanOrEqualTo(WorkOrder.MaxContextFiles, wo.ContextFiles.Count, wo.Id);
            Assert.IsTrue(wo.AllowedFiles.Count is >= 1 and <= 3, wo.Id);
            foreach (var command in wo.AcceptanceCommands)
            {
                Assert.AreNotEqual(verify, command, $"{wo.Id}: E105");
                Assert.IsFalse(command.Any(c => "|&;<>`$'\"\\".Contains(c)), $"{wo.Id}: '{command}' needs a shell");
            }
        }
    }

    [TestMethod]
    public void Product_spec_is_the_sample_spec()
    {
        CollectionAssert.AreEqual(
            File.ReadAllBytes(Path.Combine(SampleDir, "spec.md")),
            File.ReadAllBytes(Path.Combine(ProductDir, "spec", "textkit.md")),
            "samples/TextKit/spec.md and product/spec/textkit.md must stay identical");
    }

    [TestMethod]
    public void Executor_answers_replay_in_plan_order_over_the_product()
    {
        var plan = ReadPlan();
        var files = ListProduct();
        var requires = plan.VerifyContract!.Value.Requires;
        var exempt = new List<bool>();

        foreach (var wo in plan.WorkOrders.Select(w => w.Value))
        {
            foreach (var pre in wo.Preconditions)
            {
                Assert.AreEqual(pre.Kind == ConditionKind.FileExists, files.ContainsKey(pre.Path), $"{wo.Id}: precondition {pre}");
            }

            var proposal = ReadProposal(wo.Id);
            var paths = proposal.Writes.Select(w => w.Path).ToList();
            CollectionAssert.AllItemsAreUnique(paths, $"{wo.Id}: duplicate write paths");
            CollectionAssert.IsSubsetOf(paths, wo.AllowedFiles.ToList(), $"{wo.Id}: write outside allowed_files");

            // Like the factory: every base hash is checked before anything is written.
            foreach (var write in proposal.Writes)
            {
                var onDisk = Convert.ToHexStringLower(SHA256.HashData(files.GetValueOrDefault(write.Path, [])));
                Assert.AreEqual(onDisk, write.BaseSha256, $"{wo.Id}: base_sha256 of {write.Path}");
            }
            foreach (var write in proposal.Writes)
            {
                Assert.IsTrue(write.Content.EndsWith('\n') && !write.Content.Contains('\r'), $"{wo.Id}: {write.Path} must be LF with a final newline");
                files[write.Path] = Encoding.UTF8.GetBytes(write.Content);
            }

            foreach (var post in wo.Postconditions)
            {
                Assert.IsTrue(files.ContainsKey(post.Path), $"{wo.Id}: postcondition {post}");
            }
            foreach (var path in wo.AcceptanceCommands.SelectMany(c => c.Split(' ')).Where(t => t.EndsWith(".csproj", StringComparison.Ordinal)))
            {
                Assert.IsTrue(files.ContainsKey(path), $"{wo.Id}: acceptance command refers to {path}, which does not exist yet");
            }
            exempt.Add(!requires.All(r => files.ContainsKey(r.Path)));
        }

        // WO-01 runs before the test project exists; every later work order must pass the global verify.
        CollectionAssert.AreEqual(new[] { true, false, false, false }, exempt);
        Assert.IsTrue(plan.WorkOrders[3].Value.Preconditions.Contains(Condition.Exists("src/TextKit/TextElements.cs")),
            "WO-04 edits a file WO-03 created, so the transcript also exercises a non-empty base hash");
    }

    private static PlanDocument ReadPlan()
    {
        var text = File.ReadAllText(PlannerAnswerPath);
        return ContractReader.ReadManifest(JsonSyntaxParser.Parse(SourceText.FromString(PlannerAnswerPath, text)));
    }

    private static WriteProposal ReadProposal(string workOrderId)
    {
        var path = Path.Combine(SampleDir, "transcript", "executor", $"{workOrderId}.attempt-1.json");
        Assert.IsTrue(File.Exists(path), $"no executor answer for {workOrderId}: {path}");
        var (proposal, diagnostics) = ContractReader.ReadWriteProposal(JsonSyntaxParser.Parse(SourceText.FromString(path, File.ReadAllText(path))));
        Assert.IsEmpty(diagnostics, string.Join(Environment.NewLine, diagnostics));
        Assert.IsNotNull(proposal);
        return proposal;
    }

    /// <summary>The product's starting files, keyed by repository-relative path, as the factory would see them.</summary>
    private static Dictionary<string, byte[]> ListProduct() =>
        Directory.EnumerateFiles(ProductDir, "*", SearchOption.AllDirectories)
            .ToDictionary(
                f => Path.GetRelativePath(ProductDir, f).Replace(Path.DirectorySeparatorChar, '/'),
                File.ReadAllBytes,
                StringComparer.Ordinal);
}
