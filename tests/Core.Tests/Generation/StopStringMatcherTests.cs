using FineTuneMesh.Core.Generation;

namespace FineTuneMesh.Core.Tests.Generation;

public class StopStringMatcherTests
{
    [Fact]
    public void AStopStringSplitAcrossPiecesNeverLeaksItsPrefix()
    {
        var matcher = new StopStringMatcher(["### DONE!"]);
        var emitted = new List<string>
        {
            matcher.Push("The answer.\n#"),
            matcher.Push("##"),
            matcher.Push(" DO"),
            matcher.Push("NE! trailing"),
        };

        Assert.Equal(["The answer.\n", "", "", ""], emitted);
        Assert.True(matcher.Stopped);
        Assert.Equal("### DONE!", matcher.MatchedStopString);
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void HeldTextThatTurnsOutNotToBeAStopIsReleasedInOrder()
    {
        var matcher = new StopStringMatcher(["</end>"]);
        Assert.Equal("a ", matcher.Push("a </"));
        Assert.Equal("</b", matcher.Push("b"));
        Assert.Equal("", matcher.Push("</en"));
        Assert.Equal("</enx", matcher.Push("x"));
        Assert.False(matcher.Stopped);
    }

    [Fact]
    public void FlushReturnsEverythingHeldWhenGenerationEndsAnotherWay()
    {
        var matcher = new StopStringMatcher(["STOP"]);
        Assert.Equal("go ", matcher.Push("go ST"));
        Assert.Equal("ST", matcher.Flush());
    }

    [Fact]
    public void TheEarliestOfSeveralStopStringsWins()
    {
        var matcher = new StopStringMatcher(["world", "lo w"]);
        Assert.Equal("hel", matcher.Push("hello world"));
        Assert.Equal("lo w", matcher.MatchedStopString);
    }

    [Fact]
    public void WithoutStopStringsEverythingPassesStraightThrough()
    {
        var matcher = new StopStringMatcher([]);
        Assert.Equal("abc", matcher.Push("abc"));
        Assert.Equal("", matcher.Flush());
    }
}
