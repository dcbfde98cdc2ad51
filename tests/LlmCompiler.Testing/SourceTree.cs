namespace LlmCompiler.Testing;

/// <summary>The checkout the tests were built from: the first folder above the test assembly holding <c>LlmCompiler.sln</c>.</summary>
public static class SourceTree
{
    private static readonly Lazy<string> s_root = new(Find);

    public static string Root => s_root.Value;

    /// <summary>A path below <see cref="Root"/>, one argument per segment.</summary>
    public static string PathOf(params string[] segments) => Path.Combine([Root, .. segments]);

    /// <summary>
    /// Copies every file below <paramref name="relativeSource"/> ('/'-separated, e.g. <c>samples/TextKit/product</c>)
    /// to <paramref name="destination"/>, leaving out a local build's top-level <c>bin/</c> and <c>obj/</c>, so a test
    /// works on a scratch copy and the checkout stays untouched; returns <paramref name="destination"/>.
    /// </summary>
    public static string Copy(string relativeSource, string destination)
    {
        var source = PathOf(relativeSource.Split('/'));
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar) is [("bin" or "obj"), _, ..]) continue;
            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return destination;
    }

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmCompiler.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find LlmCompiler.sln above " + AppContext.BaseDirectory);
    }
}
