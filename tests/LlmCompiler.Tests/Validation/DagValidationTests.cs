using System.Text.Json.Nodes;
using LlmCompiler.Contracts;
using LlmCompiler.Contracts.Json;
using LlmCompiler.Diagnostics;
using LlmCompiler.Validation;
using static LlmCompiler.Testing.WorkOrderFiles;

namespace LlmCompiler.Tests.Validation;

/// <summary>
/// The DAG rules of <c>depends_on</c> (E107–E111, W103), each at the offending array element; the schedule in
/// layers; and random plans: a valid random DAG never draws a DAG error, and a plan without <c>depends_on</c>
/// means what it always meant.
/// </summary>
[TestClass]
public sealed class DagValidationTests
{
    /// <summary>A work order as JSON: creates its files, and reads, requires and depends on what it is told.</summary>
    private static JsonObject Wo(string id, string[] creates, string[]? dependsOn = null, string[]? reads = null, string[]? requires = null) => new()
    {
        ["id"] = id, ["title"] = $"Work {id}", ["intent"] = $"Do {id}.",
        ["depends_on"] = dependsOn is null ? null : new JsonArray([.. dependsOn.Select(d => (JsonNode)d)]),
        ["preconditions"] = new JsonArray([
            .. creates.Select(c => (JsonNode)new JsonObject { ["kind"] = "file_absent", ["path"] = c }),
            .. (requires ?? []).Select(r => (JsonNode)new JsonObject { ["kind"] = "file_exists", ["path"] = r })]),
        ["postconditions"] = new JsonArray([.. creates.Select(c => (JsonNode)new JsonObject { ["kind"] = "file_exists", ["path"] = c })]),
        ["allowed_files"] = new JsonArray([.. creates.Select(c => (JsonNode)c)]),
        ["forbidden"] = new JsonArray(), ["acceptance_commands"] = new JsonArray("dotnet build"),
        ["context_files"] = new JsonArray([.. (reads ?? []).Select(r => (JsonNode)r)]), ["notes"] = null,
    };

    private static string Plan(params JsonObject[] workOrders)
    {
        foreach (var wo in workOrders) if (wo["depends_on"] is null) wo.Remove("depends_on");
        return new JsonObject
        {
            ["system_overview"] = new JsonArray("A plan."),
            ["verify_contract"] = new JsonObject { ["command"] = "dotnet test", ["requires"] = new JsonArray() },
            ["work_orders"] = new JsonArray([.. workOrders]),
        }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    private static ValidationResult Validate(string text, params string[] repoFiles) =>
        PlanValidator.Validate(ContractReader.ReadManifest(SourceText.FromString("plan.json", text)),
            new ValidationOptions { CheckPythonSyntax = false, RepoFiles = repoFiles.ToHashSet(StringComparer.Ordinal) });

    private static Diagnostic Single(ValidationResult result, string code) =>
        result.Diagnostics.Where(d => d.Code == code).ToList() switch
        {
            [var one] => one,
            var many => throw new AssertFailedException($"expected one {code}, got {many.Count}: {string.Join(" | ", result.Diagnostics)}"),
        };

    private static void AssertAt(Diagnostic d, string text, string marker, int skip = 0)
    {
        var (line, column) = PositionOf(text, marker, skip);
        Assert.AreEqual((line, column), (d.Line, d.Column), d.ToCanonicalString());
    }

    [TestMethod]
    public void An_unknown_id_is_E107_at_its_entry_with_a_suggestion()
    {
        var text = Plan(Wo("WO-01", ["a.txt"], dependsOn: []), Wo("WO-02", ["b.txt"], dependsOn: ["WO-01", "WO-1x"]));

        var d = Single(Validate(text), DiagnosticCodes.UnknownDependency);

        AssertAt(d, text, "\"WO-1x\"");
        Assert.AreEqual("WO-02", d.WoId);
        StringAssert.Contains(d.Message, "did you mean 'WO-01'");
    }

    [TestMethod]
    public void Naming_itself_or_a_later_work_order_is_E108_at_the_entry()
    {
        var text = Plan(Wo("WO-01", ["a.txt"], dependsOn: ["WO-02"]), Wo("WO-02", ["b.txt"], dependsOn: ["WO-02"]));

        var errors = Validate(text).Diagnostics.Where(d => d.Code == DiagnosticCodes.DependencyNotEarlier).ToList();

        Assert.HasCount(2, errors);
        AssertAt(errors[0], text, "\"WO-02\"", skip: 0);
        StringAssert.Contains(errors[0].Message, "comes later");
        Assert.AreEqual("WO-02", errors[1].WoId);
        StringAssert.Contains(errors[1].Message, "depends on itself");
    }

    [TestMethod]
    [DataRow("src/Lib/Slug.cs", "src/Lib/Slug.cs")]
    [DataRow("src/Lib/Slug.cs", "src/lib/slug.cs")]
    [DataRow("src/A.cs", "src/a.cs")]
    public void Concurrent_work_orders_writing_one_file_even_in_another_case_are_E109_at_the_later_entry(string first, string second)
    {
        // Both independent of everything: `depends_on: []` and nothing they read is created by the other.
        var a = Wo("WO-01", [first], dependsOn: []);
        var b = Wo("WO-02", ["other.txt", second], dependsOn: []);
        if (first == second)
        {
            // The same exact path would make WO-02 depend on WO-01 (WO-01 creates what WO-02 writes): not concurrent.
            var result = Validate(Plan(a, b));
            Assert.IsFalse(result.Diagnostics.Any(d => d.Code == DiagnosticCodes.ConcurrentWrites), "an exact path is an implied dependency, not a collision");
            return;
        }
        var text = Plan(a, b);

        var d = Single(Validate(text), DiagnosticCodes.ConcurrentWrites);

        // The path is in WO-02's precondition, postcondition and allowed_files: the third is the one.
        AssertAt(d, text, $"\"{second}\"", skip: 2);
        Assert.AreEqual("allowed_files[1]", d.Field);
        StringAssert.Contains(d.Message, "case-insensitive checkout");
    }

    [TestMethod]
    public void A_sequential_plan_never_collides_because_every_work_order_follows_all_earlier_ones()
    {
        var text = Plan(Wo("WO-01", ["src/A.cs"]), Wo("WO-02", ["src/a.cs"]));

        var result = Validate(text);

        Assert.IsFalse(result.Diagnostics.Any(d => d.Code is DiagnosticCodes.ConcurrentWrites or DiagnosticCodes.ConcurrentRead), string.Join(" | ", result.Diagnostics));
        CollectionAssert.AreEqual(new[] { "WO-01", "WO-02" }, result.Schedule.Select(l => l.Single()).ToArray());
    }

    [TestMethod]
    public void Reading_or_requiring_what_a_later_concurrent_work_order_writes_is_E110_at_the_read()
    {
        var text = Plan(
            Wo("WO-01", ["src/Slug.cs"], dependsOn: [], reads: ["src/Words.cs"], requires: ["src/Config.json"]),
            Wo("WO-02", ["src/Words.cs", "src/config.json"], dependsOn: []));

        var errors = Validate(text, "src/Config.json").Diagnostics.Where(d => d.Code == DiagnosticCodes.ConcurrentRead).ToList();

        Assert.HasCount(2, errors, string.Join(" | ", errors));
        Assert.IsTrue(errors.All(e => e.WoId == "WO-01"));
        AssertAt(errors[0], text, "\"src/Words.cs\"");
        Assert.AreEqual("context_files[0]", errors[0].Field);
        Assert.AreEqual("preconditions[1]", errors[1].Field);
        StringAssert.Contains(errors[1].Message, "WO-02 writes 'src/Config.json'");
    }

    [TestMethod]
    public void A_precondition_that_only_a_non_ancestor_makes_true_is_E111_and_declaring_it_fixes_the_plan()
    {
        var text = Plan(Wo("WO-01", ["src/Lib/Slug.cs"], dependsOn: []), Wo("WO-02", ["src/Words.cs"], dependsOn: [], requires: ["src/Lib/Slug.cs"]));

        var result = Validate(text);

        var d = Single(result, DiagnosticCodes.PreconditionFromNonAncestor);
        Assert.AreEqual("WO-02", d.WoId);
        Assert.AreEqual("preconditions[1]", d.Field);
        StringAssert.Contains(d.Message, "WO-01 creates it, and WO-01 is not one of WO-02's dependencies");
        Assert.IsFalse(result.Diagnostics.Any(x => x.Code == DiagnosticCodes.ConcurrentRead), "one finding per element: " + string.Join(" | ", result.Diagnostics));
        var fixedPlan = Validate(Plan(Wo("WO-01", ["src/Lib/Slug.cs"], dependsOn: []), Wo("WO-02", ["src/Words.cs"], dependsOn: ["WO-01"], requires: ["src/Lib/Slug.cs"])));
        Assert.IsFalse(fixedPlan.HasErrors, string.Join(" | ", fixedPlan.Diagnostics));
        Assert.IsFalse(fixedPlan.Diagnostics.Any(x => x.Code == DiagnosticCodes.DependencyImplied), "a precondition does not imply a dependency, so declaring it is not redundant");
    }

    [TestMethod]
    public void A_dependency_the_files_already_imply_is_W103_and_the_plan_stays_valid()
    {
        var text = Plan(Wo("WO-01", ["src/Slug.cs"], dependsOn: []), Wo("WO-02", ["src/Words.cs"], dependsOn: ["WO-01"], reads: ["src/Slug.cs"]));

        var result = Validate(text);

        Assert.IsFalse(result.HasErrors, string.Join(" | ", result.Diagnostics));
        AssertAt(Single(result, DiagnosticCodes.DependencyImplied), text, "\"WO-01\"", skip: 1);
    }

    [TestMethod]
    public void The_schedule_puts_independent_work_orders_in_one_layer()
    {
        var text = Plan(
            Wo("WO-01", ["a.txt"], dependsOn: []),
            Wo("WO-02", ["b.txt"], dependsOn: ["WO-01"]),
            Wo("WO-03", ["c.txt"], dependsOn: ["WO-01"]),
            Wo("WO-04", ["d.txt"], dependsOn: ["WO-02", "WO-03"]),
            Wo("WO-05", ["e.txt"], dependsOn: []));

        var result = Validate(text);

        Assert.IsFalse(result.HasErrors, string.Join(" | ", result.Diagnostics));
        Assert.AreEqual("[[WO-01,WO-05],[WO-02,WO-03],[WO-04]]", "[" + string.Join(",", result.Schedule.Select(l => "[" + string.Join(",", l) + "]")) + "]");
    }

    [TestMethod]
    public void A_work_order_without_depends_on_keeps_its_hash_and_one_with_it_gets_another()
    {
        var plain = new WorkOrder { Id = "WO-01", Title = "t", Intent = "i", AllowedFiles = ["a"], Postconditions = [Condition.Exists("a")], AcceptanceCommands = ["x"] };

        Assert.DoesNotContain("depends_on", WorkOrderIdentity.CanonicalJson(plain), "plans written before the field existed keep their landed hashes");
        Assert.AreNotEqual(WorkOrderIdentity.Sha256(plain), WorkOrderIdentity.Sha256(plain with { DependsOn = [] }));
    }

    /// <summary>
    /// Random DAGs built to be valid (each work order creates its own files, distinct in every case; depends on a
    /// random set of earlier ones; reads and requires only what its ancestors create): never an E107–E111, and the
    /// schedule puts every work order after all of its dependencies.
    /// </summary>
    [TestMethod]
    public void A_valid_random_DAG_never_draws_a_DAG_error_and_its_schedule_respects_every_edge()
    {
        string[] dagCodes = [DiagnosticCodes.UnknownDependency, DiagnosticCodes.DependencyNotEarlier, DiagnosticCodes.ConcurrentWrites, DiagnosticCodes.ConcurrentRead, DiagnosticCodes.PreconditionFromNonAncestor];
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            var count = random.Next(1, 12);
            var workOrders = new List<JsonObject>();
            var deps = new List<HashSet<int>>();
            for (var i = 0; i < count; i++)
            {
                var direct = Enumerable.Range(0, i).Where(_ => random.NextDouble() < 0.3).ToHashSet();
                var ancestors = new HashSet<int>(direct);
                foreach (var d in direct) ancestors.UnionWith(deps[d]);
                deps.Add(ancestors);
                var ancestorFiles = ancestors.Select(a => $"src/wo{a + 1}/file.cs").ToArray();
                var reads = ancestorFiles.Where(_ => random.NextDouble() < 0.5).Take(WorkOrder.MaxContextFiles).ToArray();
                var requires = ancestorFiles.Where(_ => random.NextDouble() < 0.3).ToArray();
                workOrders.Add(Wo($"WO-{i + 1:00}", [$"src/wo{i + 1}/file.cs"], dependsOn: [.. direct.Select(d => $"WO-{d + 1:00}")], reads: reads, requires: requires));
            }

            var result = Validate(Plan([.. workOrders]));

            var dagErrors = result.Diagnostics.Where(d => dagCodes.Contains(d.Code)).ToList();
            Assert.IsEmpty(dagErrors, $"seed {seed}: {string.Join(" | ", dagErrors)}");
            Assert.IsFalse(result.HasErrors, $"seed {seed}: {string.Join(" | ", result.Diagnostics.Where(d => d.IsError))}");
            var layerOf = result.Schedule.SelectMany((layer, n) => layer.Select(id => (id, n))).ToDictionary(p => p.id, p => p.n);
            Assert.HasCount(count, layerOf, $"seed {seed}: every work order is scheduled once");
            for (var i = 0; i < count; i++)
            {
                foreach (var a in deps[i]) Assert.IsLessThan(layerOf[$"WO-{i + 1:00}"], layerOf[$"WO-{a + 1:00}"], $"seed {seed}: WO-{a + 1:00} must come before WO-{i + 1:00}");
            }
        }
    }

    /// <summary>
    /// The same random plans with <c>depends_on</c> removed are sequential: the same diagnostics as with every work
    /// order depending on all earlier ones, and one work order per layer.
    /// </summary>
    [TestMethod]
    public void Without_depends_on_a_random_plan_validates_as_if_every_work_order_followed_all_earlier_ones()
    {
        for (var seed = 0; seed < 100; seed++)
        {
            var random = new Random(seed);
            var count = random.Next(1, 10);
            var sequential = new List<JsonObject>();
            var explicitAll = new List<JsonObject>();
            for (var i = 0; i < count; i++)
            {
                // Deliberately careless plans (files reused, read before written) to compare findings, not to be valid.
                var file = $"src/f{random.Next(0, 5)}.cs";
                var reads = new[] { $"src/f{random.Next(0, 5)}.cs" };
                sequential.Add(Wo($"WO-{i + 1:00}", [file], reads: reads));
                explicitAll.Add(Wo($"WO-{i + 1:00}", [file], dependsOn: [.. Enumerable.Range(1, i).Select(n => $"WO-{n:00}")], reads: reads));
            }

            var plain = Validate(Plan([.. sequential]));
            var dag = Validate(Plan([.. explicitAll]));

            string Codes(ValidationResult r) => string.Join(",", r.Diagnostics.Where(d => d.Code != DiagnosticCodes.DependencyImplied).Select(d => $"{d.Code}@{d.WoId}"));
            Assert.AreEqual(Codes(plain), Codes(dag), $"seed {seed}");
            Assert.IsTrue(plain.Schedule.All(l => l.Count == 1), $"seed {seed}: a plan without depends_on is one work order per layer");
        }
    }
}
