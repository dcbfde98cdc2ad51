using System.Text.Json.Nodes;
using LlmCompiler.Diagnostics;
using static LlmCompiler.Tests.Validation.PlanFixture;

namespace LlmCompiler.Tests.Validation;

/// <summary>The original's §7.1 conformance list, translated to CONTRACT.md where it differs.</summary>
[TestClass]
public sealed class StructuralValidationTests
{
    [TestMethod]
    public void Diagnostic_canonical_form_names_file_position_code_and_work_order()
    {
        var d = new Diagnostic("E001", DiagnosticSeverity.Error, "WO-03", "id", "bad id", "wo/WO-03.json", 2, 9);
        Assert.AreEqual("wo/WO-03.json(2,9): error E001: bad id [WO-03]", d.ToCanonicalString());
        var noWo = d with { WoId = null, File = null, Line = 0 };
        Assert.AreEqual("llmc: error E001: bad id", noWo.ToCanonicalString());
    }

    [TestMethod]
    public void E000_empty_work_orders_is_exactly_one_error()
    {
        var text = Text(Manifest());
        var result = Validate(text);
        Assert.HasCount(1, result.Diagnostics);
        result.Single("E000").AssertAt("E000", null, "work_orders", PositionOf(text, "[]", "work_orders"));
        StringAssert.Contains(result.Diagnostics[0].Message, "empty");
    }

    [TestMethod]
    [DataRow("\"not a dict\"", "string")]
    [DataRow("[1, 2]", "array")]
    [DataRow("42", "number")]
    [DataRow("null", "null")]
    public void E000_top_level_not_an_object(string json, string type)
    {
        var result = Validate(json);
        var d = result.Single("E000");
        d.AssertAt("E000", null, null, new SourcePosition(1, 1));
        StringAssert.Contains(d.Message, "object");
        StringAssert.Contains(d.Message, type);
        Assert.HasCount(1, result.Diagnostics);
    }

    [TestMethod]
    public void E000_work_orders_missing_or_not_a_list()
    {
        var missing = Validate("{\"system_overview\": []}");
        missing.Single("E000").AssertAt("E000", null, "work_orders", new SourcePosition(1, 1));
        StringAssert.Contains(missing.Diagnostics[0].Message, "work_orders");

        var text = "{\n  \"work_orders\": {\"id\": \"WO-01\"}\n}";
        Validate(text).Single("E000").AssertAt("E000", null, "work_orders", new SourcePosition(2, 18));
    }

    [TestMethod]
    public void E000_non_object_elements_one_error_each_and_no_work_orders()
    {
        var manifest = new JsonObject { ["work_orders"] = new JsonArray(42, null, true, "x", new JsonArray(1, 2, 3), Wo("WO-01")) };
        var text = Text(manifest);
        var result = Validate(text);
        Assert.IsTrue(result.Diagnostics.All(d => d.Code == "E000"), Describe(result));
        Assert.HasCount(5, result.Diagnostics);
        CollectionAssert.AreEqual(new[] { "index-0", "index-1", "index-2", "index-3", "index-4" }, result.Diagnostics.Select(d => d.WoId).ToArray());
        StringAssert.Contains(result.Diagnostics[0].Message, "number");
        StringAssert.Contains(result.Diagnostics[1].Message, "null");
        StringAssert.Contains(result.Diagnostics[2].Message, "boolean");
        StringAssert.Contains(result.Diagnostics[3].Message, "string");
        StringAssert.Contains(result.Diagnostics[4].Message, "array");
        result.Diagnostics[0].AssertAt("E000", "index-0", "work_orders[0]", PositionOf(text, "42"));
        Assert.IsEmpty(result.VerifyExempt);
    }

    [TestMethod]
    public void E000_and_E106_when_work_orders_are_unusable_but_a_contract_exists()
    {
        var manifest = new JsonObject { ["verify_contract"] = StandardContract(), ["work_orders"] = new JsonArray(1) };
        CollectionAssert.AreEqual(new[] { "E000", "E106", "E106" }, Validate(manifest).Codes());
    }

    [TestMethod]
    public void E000_json_syntax_error_has_its_position()
    {
        var text = "{\n  \"work_orders\": [\n    {\"id\": \"WO-01\",}\n  ]\n}";
        var d = Validate(text).Single("E000");
        Assert.AreEqual(3, d.Line, d.ToString());
        StringAssert.StartsWith(d.Message, "JSON parse error");
    }

    [TestMethod]
    public void E001_valid_contiguous_ids_pass()
    {
        Validate(Manifest(Wo("WO-01"))).AssertNo("E001");
        Validate(Manifest(Wo("WO-01"), Wo("WO-02"), Wo("WO-03"))).AssertNo("E001");
    }

    [TestMethod]
    public void E001_bad_pattern_gap_and_wrong_start()
    {
        var text = Text(Manifest(Wo("wo-1")));
        Validate(text).Single("E001").AssertAt("E001", "wo-1", "id", PositionOf(text, "\"wo-1\""));

        var gap = Text(Manifest(Wo("WO-01"), Wo("WO-03")));
        var d = Validate(gap).Single("E001");
        d.AssertAt("E001", "WO-03", "id", PositionOf(gap, "\"WO-03\""));
        StringAssert.Contains(d.Message, "WO-02");

        Validate(Manifest(Wo("WO-02"))).Single("E001");
    }

    [TestMethod]
    [DataRow("WO-100")]
    [DataRow("WO-00")]
    [DataRow("")]
    public void E001_out_of_range_or_empty_ids(string id)
    {
        var d = Validate(Manifest(Wo(id))).Single("E001");
        Assert.AreEqual(id.Length == 0 ? "index-0" : id, d.WoId);
    }

    [TestMethod]
    public void E001_duplicate_ids_fail_contiguity_on_the_second()
    {
        var d = Validate(Manifest(Wo("WO-01"), Wo("WO-01"))).Single("E001");
        Assert.AreEqual("WO-01", d.WoId);
        StringAssert.Contains(d.Message, "WO-02");
    }

    [TestMethod]
    public void E001_whitespace_around_an_id_is_normalised_away()
    {
        Validate(Manifest(Wo("  WO-01 "))).AssertNo("E001");
    }

    [TestMethod]
    public void E001_and_E005_for_a_missing_id()
    {
        var wo = Wo("WO-01");
        wo.Remove("id");
        var text = Text(Manifest(wo));
        var result = Validate(text);
        result.Single("E001").AssertAt("E001", "index-0", "id", PositionOf(text, "{", "work_orders"));
        result.Single("E005").AssertAt("E005", "index-0", "id", PositionOf(text, "{", "work_orders"));
    }

    [TestMethod]
    [DataRow("1", "number")]
    [DataRow("null", "null")]
    [DataRow("[\"WO-01\"]", "array")]
    public void E001_and_E005_for_a_non_string_id_instead_of_a_crash(string idJson, string type)
    {
        var wo = Wo("WO-01");
        wo["id"] = JsonNode.Parse(idJson);
        var text = Text(Manifest(wo));
        var result = Validate(text);
        result.Single("E001").AssertAt("E001", "index-0", "id", PositionOf(text, idJson.Replace("\"", "").Length > 0 ? idJson[..1] : idJson, "\"id\""));
        StringAssert.Contains(result.Single("E005").Message, type);
    }

    [TestMethod]
    public void E002_is_never_emitted()
    {
        var wo1 = Wo("WO-01", allowed: ["scripts/verify.sh"]);
        Validate(Manifest(wo1, Wo("WO-02"))).AssertNo("E002");
    }

    [TestMethod]
    public void E003_verify_in_acceptance_is_not_structural()
    {
        var wo = Wo("WO-01");
        wo["acceptance_commands"] = Array("bash scripts/verify.sh", "python -c \"x = 1; print(x)\"");
        Validate(Manifest(wo)).AssertNo("E003");
    }

    [TestMethod]
    [DataRow("|")]
    [DataRow("||")]
    [DataRow("&&")]
    [DataRow(";")]
    [DataRow(">")]
    [DataRow(">>")]
    [DataRow("<")]
    [DataRow("<<")]
    public void E003_each_separated_operator(string op)
    {
        var wo = Wo("WO-01");
        wo["acceptance_commands"] = Array("python -c \"assert True\"", $"echo foo {op} echo bar");
        var text = Text(Manifest(wo));
        var d = Validate(text).Single("E003");
        d.AssertAt("E003", "WO-01", "acceptance_commands[1]", PositionOf(text, "\"echo foo"));
        StringAssert.Contains(d.Message, $"'{op}'");
    }

    [TestMethod]
    [DataRow("echo a|b", "|")]
    [DataRow("cmd 2> x", ">")]
    [DataRow("cmd 2>x", ">")]
    [DataRow("cmd &> x", "&>")]
    [DataRow("cmd |& tee", "|&")]
    [DataRow("sleep 1 &", "&")]
    [DataRow("echo `id`", "`")]
    [DataRow("echo $(id)", "$(")]
    [DataRow("x>y", ">")]
    public void E003_attached_and_extra_operators_outside_quotes(string command, string op)
    {
        var wo = Wo("WO-01");
        wo["acceptance_commands"] = Array(command);
        StringAssert.Contains(Validate(Manifest(wo)).Single("E003").Message, $"'{op}'");
    }

    [TestMethod]
    [DataRow("python -c \"a = 1; b = a | 2; print(b)\"")]
    [DataRow("echo '|'")]
    [DataRow("echo \"a && b\" '>' \\;")]
    [DataRow("dotnet test tests/A/A.csproj --filter \"FullyQualifiedName~A.Tests&Category!=Slow\"")]
    public void E003_operators_inside_quotes_or_escaped_are_fine(string command)
    {
        var wo = Wo("WO-01");
        wo["acceptance_commands"] = Array(command);
        Validate(Manifest(wo)).AssertNo("E003");
    }

    [TestMethod]
    [DataRow("echo 'unterminated ; more", "single quote")]
    [DataRow("echo \"unterminated ; more", "double quote")]
    [DataRow("echo trailing ; more\\", "backslash")]
    public void E007_untokenisable_command_once_and_no_E003(string command, string reason)
    {
        var wo = Wo("WO-01");
        wo["acceptance_commands"] = Array(command);
        var text = Text(Manifest(wo));
        var result = Validate(text);
        var d = result.Single("E007");
        d.AssertAt("E007", "WO-01", "acceptance_commands[0]", PositionOf(text, "\"echo"));
        StringAssert.Contains(d.Message, reason);
        StringAssert.Contains(d.Message, "echo");
        result.AssertNo("E003");
    }

    [TestMethod]
    public void E007_two_bad_commands_two_errors()
    {
        var wo = Wo("WO-01");
        wo["acceptance_commands"] = Array("echo 'a", "echo \"b");
        Assert.AreEqual(2, Validate(Manifest(wo)).Codes().Count(c => c == "E007"));
    }

    [TestMethod]
    public void E004_glob_in_allowed_and_context_files_with_E005()
    {
        var wo = Wo("WO-01");
        wo["allowed_files"] = Array("src/*.py");
        wo["context_files"] = Array("src/?.py", "src/[ab].py");
        var text = Text(Manifest(wo));
        var result = Validate(text);
        var e004 = result.Diagnostics.Where(d => d.Code == "E004").ToList();
        Assert.HasCount(3, e004);
        e004[0].AssertAt("E004", "WO-01", "allowed_files[0]", PositionOf(text, "\"src/*.py\""));
        StringAssert.Contains(e004[0].Message, "allowed_files");
        StringAssert.Contains(e004[1].Message, "context_files");
        Assert.AreEqual("context_files[1]", e004[2].Field);
        Assert.AreEqual(3, result.Codes().Count(c => c == "E005"));
        // E004s come before the E005s of the same work order.
        Assert.IsLessThan(System.Array.IndexOf(result.Codes(), "E005"), System.Array.LastIndexOf(result.Codes(), "E004"));
    }

    [TestMethod]
    public void E004_not_for_condition_paths_only_E005()
    {
        var wo = Wo("WO-01");
        wo["preconditions"] = new JsonArray(Exists("src/*.py"));
        var result = Validate(Manifest(wo));
        result.AssertNo("E004");
        Assert.AreEqual("preconditions[0].path", result.Single("E005").Field);
    }

    [TestMethod]
    [DataRow("/etc/passwd", "relative")]
    [DataRow("../../../etc/passwd", "'..'")]
    [DataRow("src/../../../etc/shadow", "'..'")]
    [DataRow("C:\\Windows\\System32\\cmd.exe", "':'")]
    [DataRow("C:foo", "':'")]
    [DataRow("", "empty")]
    [DataRow("src\\a.py", "backslash")]
    [DataRow(".", "'.'")]
    [DataRow("./", "'.'")]
    [DataRow("a\tb", "control")]
    [DataRow("a\u007fb", "control")]
    [DataRow("//etc/passwd", "relative")]
    [DataRow(".git/hooks/pre-commit", ".git")]
    [DataRow("vendor/x/.GIT/config", ".git")]
    [DataRow("CON", "reserved")]
    [DataRow("src/nul.txt", "reserved")]
    [DataRow("src/COM1.cs", "reserved")]
    [DataRow("src/foo.", "end with")]
    public void E005_invalid_allowed_path(string path, string reason)
    {
        var wo = Wo("WO-01");
        wo["allowed_files"] = new JsonArray("src/ok.py", path);
        var text = Text(Manifest(wo));
        var d = Validate(text).Single("E005");
        Assert.AreEqual("allowed_files[1]", d.Field);
        Assert.AreEqual("WO-01", d.WoId);
        StringAssert.Contains(d.Message, reason);
        Assert.AreEqual(PositionOf(text, "\"src/ok.py\"").Line + 1, d.Line, d.ToString());
    }

    [TestMethod]
    [DataRow("..foo")]
    [DataRow("a/..b/c")]
    [DataRow("~/x")]
    [DataRow("-rf")]
    [DataRow("src/\u00e9t\u00e9.py")]
    public void Legal_names_that_the_original_rejected_or_that_look_odd_are_accepted(string path)
    {
        var wo = Wo("WO-01");
        wo["allowed_files"] = Array(path);
        wo["context_files"] = Array(path);
        Validate(Manifest(wo)).AssertClean();
    }

    [TestMethod]
    public void E005_empty_acceptance_list_and_empty_command()
    {
        var wo = Wo("WO-01");
        wo["acceptance_commands"] = new JsonArray();
        var d = Validate(Manifest(wo)).Single("E005");
        Assert.AreEqual("acceptance_commands", d.Field);
        StringAssert.Contains(d.Message, "non-empty");

        wo["acceptance_commands"] = Array("python -c \"assert True\"", "   ");
        Assert.AreEqual("acceptance_commands[1]", Validate(Manifest(wo)).Single("E005").Field);
    }

    [TestMethod]
    public void E005_more_than_ten_context_files_points_at_the_eleventh()
    {
        var files = Enumerable.Range(0, 11).Select(i => $"f{i}.py").ToArray();
        var wo = Wo("WO-01");
        wo["allowed_files"] = Array(files);
        wo["context_files"] = Array(files);
        var text = Text(Manifest(wo));
        var d = Validate(text).Single("E005");
        d.AssertAt("E005", "WO-01", "context_files[10]", PositionOf(text, "\"f10.py\"", "context_files"));
        StringAssert.Contains(d.Message, "at most 10");
    }

    [TestMethod]
    public void Eleven_identical_context_files_collapse_to_one()
    {
        var wo = Wo("WO-01");
        wo["context_files"] = Array([.. Enumerable.Repeat("src/a.py", 11)]);
        Validate(Manifest(wo)).AssertClean();
    }

    [TestMethod]
    public void E005_file_absent_postcondition()
    {
        var wo = Wo("WO-01");
        wo["postconditions"] = new JsonArray(Absent("src/a.py"));
        var text = Text(Manifest(wo));
        var d = Validate(text).Single("E005");
        d.AssertAt("E005", "WO-01", "postconditions[0].kind", PositionOf(text, "\"file_absent\""));
    }

    [TestMethod]
    [DataRow("title", "5", "number")]
    [DataRow("notes", "5", "number")]
    [DataRow("verify_exempt", "2", "true or false")]
    [DataRow("verify_exempt", "\"yes\"", "true or false")]
    [DataRow("allowed_files", "\"src/a.py\"", "array")]
    [DataRow("context_files", "null", "array")]
    [DataRow("allowed_files", "null", "array")]
    [DataRow("preconditions", "null", "array")]
    [DataRow("forbidden", "{}", "array")]
    public void E005_wrong_types_are_diagnosed_not_crashed(string property, string json, string expected)
    {
        var wo = Wo("WO-01");
        wo[property] = JsonNode.Parse(json);
        var text = Text(Manifest(wo));
        var d = Validate(text).Single("E005");
        Assert.AreEqual(property, d.Field);
        StringAssert.Contains(d.Message, expected);
        Assert.AreEqual(PositionOf(text, $"\"{property}\"").Line, d.Line);
    }

    [TestMethod]
    [DataRow("title")]
    [DataRow("intent")]
    [DataRow("forbidden")]
    [DataRow("allowed_files")]
    [DataRow("context_files")]
    [DataRow("acceptance_commands")]
    public void E005_missing_required_property_points_at_the_object(string property)
    {
        var wo = Wo("WO-01");
        wo.Remove(property);
        var text = Text(Manifest(wo));
        var d = Validate(text).Single("E005");
        d.AssertAt("E005", "WO-01", property, PositionOf(text, "{", "work_orders"));
        StringAssert.Contains(d.Message, property);
    }

    [TestMethod]
    public void E005_non_string_list_elements_and_non_object_conditions()
    {
        var wo = Wo("WO-01");
        wo["allowed_files"] = new JsonArray("src/a.py", 7);
        wo["acceptance_commands"] = new JsonArray("python -c \"assert True\"", new JsonObject());
        wo["preconditions"] = new JsonArray("x", Exists("src/a.py"));
        wo["postconditions"] = new JsonArray(new JsonObject { ["kind"] = "file_exists" }, new JsonObject { ["kind"] = "file_modified", ["path"] = "a" });
        var fields = Validate(Manifest(wo)).Diagnostics.Where(d => d.Code == "E005").Select(d => d.Field).ToArray();
        CollectionAssert.AreEquivalent(new[]
        {
            "allowed_files[1]", "acceptance_commands[1]", "preconditions[0]", "postconditions[0].path", "postconditions[1].kind",
        }, fields);
    }

    [TestMethod]
    public void E005_duplicate_json_keys_are_errors_not_last_one_wins()
    {
        var text = "{\"work_orders\": [{\"id\": \"WO-01\", \"title\": \"t\", \"intent\": \"i\", \"allowed_files\": [\"a.py\"],\n" +
                   "  \"allowed_files\": [\"../evil\"], \"forbidden\": [], \"acceptance_commands\": [\"true\"], \"context_files\": []}]}";
        var d = Validate(text).Single("E005");
        d.AssertAt("E005", "WO-01", "allowed_files", new SourcePosition(2, 3));
        StringAssert.Contains(d.Message, "duplicate");
    }

    [TestMethod]
    public void E006_python_syntax()
    {
        if (!new LlmCompiler.Validation.PythonSyntaxChecker().IsAvailable) Assert.Inconclusive("no python on PATH");
        foreach (var ok in new[] { "python -c \"x = 1; print(x)\"", "python -c \"import os; assert os.path.isfile('x.py')\"", "bash scripts/run.sh", "python run_tests.py", "python -c" })
        {
            var wo = Wo("WO-01");
            wo["acceptance_commands"] = Array(ok);
            Validate(Manifest(wo)).AssertNo("E006");
        }
        foreach (var bad in new[] { "python -c \"def foo(:\"", "python -c \"def\"", "python3 -c \"def (\"", "python -I -c \"if True\"", "/usr/bin/python3 -c 'x ='" })
        {
            var wo = Wo("WO-01");
            wo["acceptance_commands"] = Array("python -c \"assert True\"", bad);
            var text = Text(Manifest(wo));
            var d = Validate(text).Single("E006");
            Assert.AreEqual("acceptance_commands[1]", d.Field, bad);
            Assert.AreEqual("WO-01", d.WoId);
            StringAssert.Contains(d.Message, "line 1");
        }
    }

    [TestMethod]
    public void E001_and_E006_together_in_emission_order()
    {
        if (!new LlmCompiler.Validation.PythonSyntaxChecker().IsAvailable) Assert.Inconclusive("no python on PATH");
        var wo1 = Wo("WO-01");
        wo1["acceptance_commands"] = Array("python -c \"def foo(:\"");
        var codes = Validate(Manifest(wo1, Wo("WO-03"))).Codes();
        CollectionAssert.AreEqual(new[] { "E001", "E006" }, codes);
    }

    [TestMethod]
    public void I006_when_python_cannot_be_found_is_informational_and_once()
    {
        var wo = Wo("WO-01");
        wo["acceptance_commands"] = Array("python -c \"def (\"", "python -c \"x\"");
        var document = Read(Manifest(wo, Wo("WO-02")));
        var result = LlmCompiler.Validation.PlanValidator.Validate(document, new LlmCompiler.Validation.ValidationOptions { PythonInterpreter = "/nonexistent/python3" });
        Assert.AreEqual(1, result.Codes().Count(c => c == "I006"));
        Assert.IsFalse(result.HasErrors, Describe(result));
    }

    [TestMethod]
    public void Normalisation_trims_normalises_and_deduplicates()
    {
        var wo = new JsonObject
        {
            ["id"] = "  WO-01 ",
            ["title"] = " T ",
            ["intent"] = " i ",
            ["allowed_files"] = Array(" ./src/a.py ", "src/a.py", "src/./b.py", "src//c.py/"),
            ["context_files"] = Array("./src/a.py", "src/a.py"),
            ["forbidden"] = Array("./do not do this", "./do not do this"),
            ["acceptance_commands"] = Array("python -c './test.py'", "python -c './test.py'"),
            ["preconditions"] = new JsonArray(new JsonObject { ["kind"] = "  file_exists ", ["path"] = " ./src/a.py " }),
            ["notes"] = "  keep spaces  ",
        };
        var doc = Read(Manifest(wo));
        var value = doc.WorkOrders[0].Value;
        Assert.AreEqual("WO-01", value.Id);
        Assert.AreEqual("T", value.Title);
        CollectionAssert.AreEqual(new[] { "src/a.py", "src/b.py", "src/c.py" }, value.AllowedFiles.ToArray());
        CollectionAssert.AreEqual(new[] { "src/a.py" }, value.ContextFiles.ToArray());
        CollectionAssert.AreEqual(new[] { "./do not do this" }, value.Forbidden.ToArray());
        CollectionAssert.AreEqual(new[] { "python -c './test.py'" }, value.AcceptanceCommands.ToArray());
        Assert.AreEqual("src/a.py", value.Preconditions[0].Path);
        Assert.AreEqual("keep spaces", value.Notes);
        Assert.AreEqual("allowed_files[2]", doc.WorkOrders[0].Map.ElementField("allowed_files", 1));
    }

    [TestMethod]
    public void W102_unknown_property_is_kept_and_suggests_the_known_name()
    {
        var wo = Wo("WO-01");
        wo["postcondition"] = new JsonArray(Exists("src/a.py"));
        var text = Text(Manifest(wo));
        var result = Validate(text);
        result.AssertClean();
        var d = result.Single("W102");
        d.AssertAt("W102", "WO-01", "postcondition", PositionOf(text, "[", "\"postcondition\""));
        Assert.AreEqual(DiagnosticSeverity.Warning, d.Severity);
        StringAssert.Contains(d.Message, "did you mean 'postconditions'");
        var doc = Read(Manifest(wo));
        Assert.IsTrue(doc.WorkOrders[0].Value.UnknownProperties!.ContainsKey("postcondition"));
    }

    [TestMethod]
    public void Parse_and_validate_a_valid_manifest_returns_the_work_order()
    {
        var manifest = Manifest(Wo("WO-01"));
        manifest["system_overview"] = Array("test");
        var doc = Read(manifest);
        Assert.HasCount(1, doc.WorkOrders);
        CollectionAssert.AreEqual(new[] { "test" }, doc.SystemOverview.ToArray());
        Validate(manifest).AssertClean();
    }
}
