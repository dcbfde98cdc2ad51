using LlmCompiler.Build.Tasks;

namespace LlmCompiler.Build.Tests;

[TestClass]
public sealed class InputsFingerprintTests
{
    private TempDirectory _dir = null!;

    [TestInitialize]
    public void Setup() => _dir = new TempDirectory();

    [TestCleanup]
    public void Cleanup() => _dir.Dispose();

    private InputsFingerprint Fingerprint(string model = "gpt-x") =>
        new InputsFingerprint().File("spec", _dir.Combine("spec.md")).Value("model", model).Value("endpoint", null);

    [TestMethod]
    public void Same_content_with_a_new_timestamp_still_matches()
    {
        var spec = _dir.Write("spec.md", "# Spec\n");
        var stamp = _dir.Combine("plan.stamp.json");
        Fingerprint().Write(stamp);

        File.SetLastWriteTimeUtc(spec, DateTime.UtcNow.AddHours(1));
        File.WriteAllText(spec, "# Spec\n");

        Assert.IsTrue(Fingerprint().Matches(stamp));
    }

    [TestMethod]
    public void Changed_file_or_setting_does_not_match()
    {
        _dir.Write("spec.md", "# Spec\n");
        var stamp = _dir.Combine("plan.stamp.json");
        Fingerprint().Write(stamp);

        Assert.IsFalse(Fingerprint(model: "gpt-y").Matches(stamp), "a setting is an input");
        _dir.Write("spec.md", "# Spec v2\n");
        Assert.IsFalse(Fingerprint().Matches(stamp), "file content is an input");
    }

    [TestMethod]
    public void Missing_and_empty_file_differ_and_names_cannot_collide()
    {
        var missing = new InputsFingerprint().File("spec", _dir.Combine("spec.md")).Hash;
        _dir.Write("spec.md", "");
        var empty = new InputsFingerprint().File("spec", _dir.Combine("spec.md")).Hash;
        Assert.AreNotEqual(missing, empty);

        var a = new InputsFingerprint().Value("a", "b:c").Hash;
        var b = new InputsFingerprint().Value("a:b", "c").Hash;
        Assert.AreNotEqual(a, b);
    }

    [TestMethod]
    public void Missing_or_corrupt_stamp_never_matches_and_write_leaves_no_temp_files()
    {
        _dir.Write("spec.md", "# Spec\n");
        var stamp = _dir.Combine("out", "plan.stamp.json");
        Assert.IsFalse(Fingerprint().Matches(stamp));

        Fingerprint().Write(stamp);
        Assert.IsTrue(Fingerprint().Matches(stamp));
        Assert.AreEqual(1, Directory.GetFiles(_dir.Combine("out")).Length);

        File.WriteAllText(stamp, "{ not json");
        Assert.IsFalse(Fingerprint().Matches(stamp));
    }
}
