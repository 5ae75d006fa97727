// The common-password list; see common_passwords.h. The entries are sorted
// (byte order) so a lookup is a binary search; keep them sorted and lowercase
// when adding any.
#include "server/auth/common_passwords.h"

#include <algorithm>
#include <iterator>

namespace pg::server::auth {
namespace {

constexpr std::string_view kCommon[] = {
    "0000", "000000", "00000000", "000000000", "0987654321", "1111", "11111", "111111", "11111111",
    "1111111111", "11112222", "112233", "11223344", "121212", "12121212", "123123", "123123123",
    "123123123123", "123321", "1234", "12341234", "12344321", "12345", "123456", "1234567", "12345678",
    "123456789", "1234567890", "123456789a", "12345678a", "1234567a", "123456a", "123456abc", "1234abcd",
    "1234qwer", "1234qwerasdf", "123654", "123abc", "123qwe", "12qwaszx", "131313", "13579246", "147258369",
    "159357", "159753", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y", "1qaz1qaz", "1qaz2wsx", "1qaz2wsx3edc",
    "1qazxsw2", "2000", "222222", "232323", "2wsx3edc", "333333", "555555", "654321", "666666", "696969",
    "741852963", "777777", "7777777", "8675309", "87654321", "888888", "88888888", "963852741", "987654",
    "987654321", "999999", "99999999", "a123456", "a12345678", "a1b2c3d4", "aa123456", "aaaaaa", "abc123",
    "abc12345", "abcd1234", "abcdef123", "abcdefg", "abcdefgh", "access", "access14", "adidas", "admin",
    "admin123", "admin1234", "adminadmin", "administrator", "amanda", "america", "america1", "andrea",
    "andrew", "angel", "angel123", "anthony", "apple123", "arsenal", "arsenal1", "asd123", "asdf1234",
    "asdfasdf", "asdfgh", "asdfghjk", "asdfghjkl", "ashley", "austin", "autumn2023", "babygirl", "babygirl1",
    "badboy", "bailey", "banana", "barcelona", "barney", "baseball", "baseball1", "baseball123", "basketball",
    "batman", "batman123", "bigdaddy", "bigdog", "biteme", "blink182", "blueberry", "bond007", "booboo",
    "boomer", "boston", "brandon", "brandy", "bulldog", "buster", "butterfly", "camaro", "casper", "changeme",
    "changeme123", "charles", "charlie", "cheese", "cheese123", "chelsea", "chelsea1", "chester", "chicago",
    "chicken", "chocolate", "chris", "cocacola", "coffee", "compaq", "computer", "computer1", "computer123",
    "cookie", "cookie123", "corvette", "corvette1", "cowboy", "cowboys", "crystal", "cupcake", "dakota",
    "dallas", "daniel", "database", "december", "default", "demo", "demo123", "diablo", "diamond", "dolphin",
    "dragon", "dragon123", "eagles", "edward", "elephant", "enter", "facebook", "falcon", "family",
    "family123", "february", "fender", "ferrari", "ferrari1", "fishing", "flower", "football", "football1",
    "football123", "forever", "freedom", "freedom1", "friends", "friendship", "gandalf", "gateway", "george",
    "gfhjkm", "ghbdtn", "ginger", "ginger123", "golden", "golfer", "goodbye", "goodluck", "google",
    "google123", "guest", "guest123", "guitar", "hallo", "hammer", "hannah", "happiness", "happy123",
    "hardcore", "harley", "harley1", "heather", "hello", "hello123", "hellohello", "helloworld", "hockey",
    "hockey123", "hotmail", "hunter", "iceman", "iloveme", "iloveu", "iloveyou", "iloveyou1", "iloveyou2",
    "internet", "internet1", "iphone", "jackson", "james", "january", "jasmine", "jasper", "jennifer",
    "jennifer1", "jessica", "johnny", "jordan", "jordan23", "joseph", "joshua", "junior", "justin",
    "juventus", "killer", "klaster", "knight", "lakers", "lauren", "letitbe", "letmein", "letmein1",
    "letmein12", "letmein123", "liberty", "linkedin", "linux", "liverpool", "login", "login123", "london",
    "love", "lovelove", "lovely", "loveyou", "maggie", "manchester", "marina", "marine", "marlboro", "martin",
    "master", "master1", "master123", "matrix", "matthew", "maverick", "melissa", "mercedes", "mercedes1",
    "merlin", "michael", "michael1", "michael23", "michelle", "mickey", "microsoft", "midnight", "miller",
    "minecraft", "minecraft1", "money", "monkey", "monkey123", "monster", "morgan", "mother", "mustang",
    "mustang1", "mypassword", "mysql", "nascar", "natasha", "ncc1701", "nicole", "nikita", "oliver", "oracle",
    "orange", "p@ssw0rd", "p@ssword", "pa55word", "panties", "pass", "passw0rd", "password", "password!",
    "password1", "password1!", "password12", "password123", "password2", "password2024", "password3",
    "passwords", "passwort", "patrick", "peanut", "pepper", "pepper123", "phoenix", "pineapple", "player",
    "please", "pokemon", "pokemon123", "porsche", "porsche911", "postgres", "prince", "princesa", "princess",
    "princess1", "purple", "q1w2e3r4", "q1w2e3r4t5", "q1w2e3r4t5y6", "qazwsx", "qazwsxedc", "qwe123qwe",
    "qweasd123", "qweasdzxc", "qweqweqwe", "qwer1234", "qwerty", "qwerty1", "qwerty12", "qwerty123",
    "qwerty1234", "qwerty12345", "qwerty2024", "qwertyui", "qwertyuiop", "qwertyuiop1", "rabbit", "rachel",
    "raiders", "rainbow", "ranger", "rangers", "realmadrid", "redsox", "richard", "robert", "rockstar",
    "rockyou", "root", "samantha", "sample", "samsung", "samsung1", "sandra", "scooby", "scooter", "secret",
    "secret123", "server", "shadow", "shadow1", "shadow123", "silver", "slayer", "smokey", "snoopy",
    "snowball", "soccer", "soccer123", "sparky", "spider", "spring2024", "starwars", "starwars1",
    "starwars123", "steelers", "steven", "strawberry", "summer", "summer2020", "summer2021", "summer2022",
    "summer2023", "summer2024", "sunflower", "sunshine", "sunshine1", "superman", "superman1", "superstar",
    "sweetheart", "sweety", "taylor", "temp", "temp123", "temporary", "tennis", "test", "test123", "test1234",
    "tester", "testing", "testing123", "thomas", "thunder", "tiger123", "tigers", "tigger", "together",
    "toor", "trustme", "trustno1", "trustno1!", "twitter", "ubuntu", "unicorn", "user", "user123", "victoria",
    "watermelon", "welcome", "welcome1", "welcome123", "welcome2024", "welcomeback", "whatever", "whatever1",
    "whatsup", "william", "windows", "windows7", "winner", "winter", "winter2023", "wizard", "xxxxxx",
    "yahoo123", "yamaha", "yamaha1", "yankees", "yellow", "youtube", "zaq12wsx", "zaq1zaq1", "zxc123",
    "zxcv1234", "zxcvbn", "zxcvbnm", "zxcvbnm1",
};

}  // namespace

bool is_common_password(std::string_view lowercase_password) {
  return std::binary_search(std::begin(kCommon), std::end(kCommon), lowercase_password);
}

size_t common_password_count() { return std::size(kCommon); }

}  // namespace pg::server::auth
