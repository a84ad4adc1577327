/// The word lists synthetic questions are made from: topics × question stems. Every stem's options are ordered
/// along one axis (most in favour first), which is what the ideal-point model of `SurveySynthesizer` needs.
public enum SurveyTemplates {
    /// A question stem with a `{topic}` slot and its ordered answer options.
    public struct Stem: Sendable {
        /// Text with `{topic}`.
        public let text: String
        /// Options, most favourable first.
        public let options: [String]
    }

    /// Singular or mass-noun topics, so that every stem reads grammatically.
    public static let topics: [String] = [
        "religion", "public transport", "the arts", "local farming", "space exploration", "family tradition",
        "professional sport", "higher education", "the armed forces", "environmental protection", "free speech",
        "the village council", "foreign trade", "organic food", "the public library", "the national language",
        "tourism", "small business", "social media", "the fishing industry", "public healthcare", "renewable energy",
        "military service", "traditional music", "immigration", "online shopping", "the labour union",
        "the monarchy", "scientific research", "gambling", "urban gardening", "the national holiday",
        "private schooling", "the lottery", "police patrolling", "the nature reserve", "coal mining",
        "the cooperative bank", "the street market", "the postal service", "electric transport", "video gaming",
        "charity work", "marriage", "handcraft", "the local newspaper", "cycling", "river shipping",
    ]

    /// Question stems; 2 to 5 options each.
    public static let stems: [Stem] = [
        Stem(text: "How important is {topic} in your life?",
             options: ["Very important", "Somewhat important", "Not too important", "Not at all important"]),
        Stem(text: "Should the government spend more or less on {topic}?",
             options: ["Much more", "Somewhat more", "About the same", "Less"]),
        Stem(text: "Over the past ten years, has {topic} in your country gotten better or worse?",
             options: ["Better", "About the same", "Worse"]),
        Stem(text: "How much influence should {topic} have on national decisions?",
             options: ["A great deal", "A fair amount", "Not too much", "None at all"]),
        Stem(text: "Is {topic} a good thing or a bad thing for your country?",
             options: ["A good thing", "A bad thing"]),
        Stem(text: "How satisfied are you with the state of {topic} today?",
             options: ["Very satisfied", "Somewhat satisfied", "Somewhat dissatisfied", "Very dissatisfied"]),
        Stem(text: "Should children learn about {topic} at school?",
             options: ["Yes", "No"]),
        Stem(text: "How often do you talk about {topic} with your friends?",
             options: ["Often", "Sometimes", "Rarely", "Never"]),
        Stem(text: "How hopeful are you about the future of {topic}?",
             options: ["Very hopeful", "Somewhat hopeful", "Not too hopeful", "Not at all hopeful"]),
        Stem(text: "Should {topic} be looked after mainly by the state or by private citizens?",
             options: ["The state", "Both equally", "Private citizens"]),
        Stem(text: "Do you agree that {topic} makes life better for ordinary people?",
             options: ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]),
        Stem(text: "Would you vote for a party that promised to expand {topic}?",
             options: ["Definitely", "Probably", "Probably not", "Definitely not"]),
        Stem(text: "Is there too little, the right amount or too much {topic} in daily life?",
             options: ["Too little", "The right amount", "Too much"]),
        Stem(text: "How much confidence do you have in the people responsible for {topic}?",
             options: ["A lot", "Some", "Not much", "None"]),
        Stem(text: "Should {topic} receive more or less attention in the news?",
             options: ["More attention", "About the same", "Less attention"]),
        Stem(text: "Will {topic} matter more or less to the next generation?",
             options: ["More", "About the same", "Less"]),
    ]

    /// Fictional group names (no real countries), used in order.
    public static let groupNames: [String] = [
        "Avalon", "Brightwater", "Cedar Isle", "Dunmore", "Eastmarch", "Fernvale", "Glenhollow", "Highmoor",
        "Ironcoast", "Juniper Bay", "Kestrel Reach", "Lowmarsh",
    ]
}
