using LlmCompiler.Planning;

namespace LlmCompiler.Tests.Planning;

[TestClass]
public sealed class PromptTemplateTests
{
    [TestMethod]
    public void Default_template_has_both_placeholders_and_the_dotnet_guidance()
    {
        var template = PromptTemplate.Default();

        StringAssert.Contains(template.Text, "{{PRODUCT_SPEC}}");
        StringAssert.Contains(template.Text, "{{REPO_HINTS}}");
        StringAssert.Contains(template.Text, "dotnet test tests/");
        StringAssert.Contains(template.Text, "\"verify_contract\"");
        Assert.AreEqual(64, template.Sha256.Length);
        Assert.AreEqual("embedded:planner.md", template.Source);
    }

    [TestMethod]
    public void Template_without_the_spec_placeholder_is_E401()
    {
        var template = PromptTemplate.FromText("Plan this: {{REPO_HINTS}}", "t.md", out var error);

        Assert.IsNull(template);
        Assert.AreEqual("E401", error!.Code);
        Assert.AreEqual("t.md", error.File);
    }

    [TestMethod]
    public void Missing_template_file_is_E501()
    {
        var template = PromptTemplate.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "nope.md"), out var error);

        Assert.IsNull(template);
        Assert.AreEqual("E501", error!.Code);
    }

    [TestMethod]
    public void Rendering_is_a_single_pass_so_substituted_text_is_never_expanded()
    {
        var template = PromptTemplate.FromText("A {{PRODUCT_SPEC}} B {{REPO_HINTS}} C {{OTHER}} {{PRODUCT_SPEC}}", "t.md", out _)!;

        var rendered = template.Render("spec says {{REPO_HINTS}}", "hints say {{PRODUCT_SPEC}}");

        Assert.AreEqual("A spec says {{REPO_HINTS}} B hints say {{PRODUCT_SPEC}} C {{OTHER}} spec says {{REPO_HINTS}}", rendered);
    }

    [TestMethod]
    public void Without_a_repository_the_hints_say_so()
    {
        var template = PromptTemplate.FromText("{{REPO_HINTS}}|{{PRODUCT_SPEC}}", "t.md", out _)!;

        Assert.AreEqual(RepoHints.NoRepository + "|s", template.Render("s", null));
    }

    [TestMethod]
    public void Line_endings_do_not_change_the_template_hash()
    {
        var lf = PromptTemplate.FromText("x\n{{PRODUCT_SPEC}}\n", "a", out _)!;
        var crlf = PromptTemplate.FromText("x\r\n{{PRODUCT_SPEC}}\r\n", "b", out _)!;

        Assert.AreEqual(lf.Sha256, crlf.Sha256);
    }
}
