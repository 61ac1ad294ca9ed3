"""The most common passwords (folded to lower case): refused by the password policy.

Compiled for emscad from widely published lists of the most-used and most-breached
passwords; extend it (800-63B asks for a list kept current) by adding lines here.
"""

from __future__ import annotations

COMMON: frozenset[str] = frozenset(
    """
    000000 00000000 111111 11111111 11223344 121212 123123 123321 1234 12341234 12345 123456
    1234567 12345678 123456789 1234567890 123qwe 159753 1q2w3e4r 1q2w3e4r5t 1qaz2wsx
    1qazxsw2 27653 555555 654321 666666 696969 7777777 87654321 888888 99999999 aaaaaaaa
    abc123 abcd1234 abcdefgh access admin admin123 administrator amanda america andrew
    anthony arkansas asdf1234 asdfgh asdfghjkl ashley autumn baseball baseball1 batman
    berlin biteme blink182 buster changeme changeme1 charlie cheese chelsea chicago
    chocolate computer cookie corvette dakota daniel default diamond dragon dragon1 ferrari
    flower football football1 freedom fuckyou george ginger golden guest guest123 hannah
    harley hello hockey hunter hunter2 iloveyou iloveyou1 internet jasmine jennifer jessica
    jordan jordan23 joshua justin killer lakers letmein letmein1 littlerock liverpool login
    london love lovely maggie master master1 matrix matthew melissa mercedes michael
    michelle monkey monkey1 mustang newyork nicole nothing orange p@ssw0rd p@ssword pa55word
    paris passw0rd password password! password1 password12 password123 pepper phoenix
    porsche princess princess1 purple q1w2e3r4 q1w2e3r4t5 qazwsx qwerty qwerty1 qwerty123
    qwertyui qwertyuiop ranger ranger1 razorbacks robert root samsung secret shadow shadow1
    silver soccer solo spring starwars summer sunshine sunshine1 superman superman1 taylor
    tennis test test123 testing texas thomas thunder tigger toor trustno1 welcome welcome1
    welcome123 whatever whatever1 winter yankees zaq12wsx zxcvbnm zxcvbnm1
    """.split()
)
