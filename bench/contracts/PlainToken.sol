// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Baseline: a plain OpenZeppelin ERC-20 whose deployer may mint. Nothing else.
contract PlainToken is ERC20 {
    address private immutable _minter;

    constructor() ERC20("Plain", "PLN") {
        _minter = msg.sender;
    }

    function mint(address to, uint256 amount) external {
        require(msg.sender == _minter, "not minter");
        _mint(to, amount);
    }
}
